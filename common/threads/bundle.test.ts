import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundle } from './bundle.ts';

const entry = path.join(import.meta.dirname, 'serve.ts');
const cacheFile = path.join(os.tmpdir(), `sluice-${process.getuid!()}`, 'common-threads-serve.cjs');

describe('bundle', () => {
  it('compiles an entry and what it imports into one file, naming every source', async () => {
    const { code, sources } = await bundle(entry, 'cjs');
    expect(sources.sort()).toEqual(['common/errors.ts', 'common/threads/serve.ts']);
    expect(code).toContain('parentPort');
  });

  it('is reused from its private cache, and rebuilt when the cached copy was altered', async () => {
    const { code } = await bundle(entry, 'cjs');
    expect(fs.statSync(path.dirname(cacheFile)).mode & 0o077).toBe(0);
    expect(fs.readFileSync(cacheFile, 'utf8').endsWith(code)).toBe(true);
    fs.appendFileSync(cacheFile, '\nprocess.exit(1);\n');
    expect((await bundle(entry, 'cjs')).code).toBe(code);
    expect(fs.readFileSync(cacheFile, 'utf8').endsWith(code)).toBe(true);
  });
});
