import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerSource } from './worker-bundle.ts';

const cacheFile = path.join(os.tmpdir(), `sluice-${process.getuid!()}`, 'desensitize-worker.cjs');
const provenance = (): { sources: Record<string, string> } => JSON.parse(fs.readFileSync(cacheFile, 'utf8').split('\n', 1)[0]!.replace('// sluice-bundle ', ''));

describe('desensitize worker bundle', () => {
  it('holds the engine but, from common, only the errors module, and no HTTP, database, KMS or SM2 code', async () => {
    await workerSource();
    const ours = Object.keys(provenance().sources).filter((s) => !s.startsWith('node_modules/'));
    expect(ours).toContain('gateway/desensitize/desensitizer.ts');
    expect(ours.filter((s) => s.startsWith('common/'))).toEqual(['common/errors.ts']);
    expect(ours.filter((s) => s.startsWith('kms/') || s.includes('/db/') || s.includes('http'))).toEqual([]);
    expect(Object.keys(provenance().sources).filter((s) => /fastify|pino|kysely|better-sqlite3|pg\/|sm-crypto|@noble\/curves/.test(s))).toEqual([]);
  });

  it('is rebuilt when the cached copy was altered', async () => {
    const code = await workerSource();
    fs.appendFileSync(cacheFile, '\nprocess.exit(1);\n');
    expect(await workerSource()).toBe(code);
    expect(fs.readFileSync(cacheFile, 'utf8').endsWith(code)).toBe(true);
  });
});
