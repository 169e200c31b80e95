import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundle } from '../../../common/threads/index.ts';

describe('desensitize worker bundle', () => {
  it('holds the engine but, from common, only the errors module and the thread side of the pool, and no HTTP, database, KMS or SM2 code', async () => {
    const { sources } = await bundle(path.join(import.meta.dirname, 'worker.ts'), 'cjs');
    const ours = sources.filter((s) => !s.startsWith('node_modules/'));
    expect(ours).toContain('gateway/desensitize/desensitizer.ts');
    expect(ours.filter((s) => s.startsWith('common/')).sort()).toEqual(['common/errors.ts', 'common/threads/serve.ts']);
    expect(ours.filter((s) => s.startsWith('kms/') || s.includes('/db/') || s.includes('http'))).toEqual([]);
    expect(sources.filter((s) => /fastify|pino|kysely|better-sqlite3|pg\/|sm-crypto|@noble\/curves/.test(s))).toEqual([]);
  });
});
