import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli.ts';
import { createDesensitizer, deriveTransformKeys } from '../../desensitize/index.ts';

describe('sluice trace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-trace-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, value: unknown) => fs.writeFileSync(path.join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  write('key.json', { secret: 'c3'.repeat(32) });

  it('traces with per-contract secrets, as the gateway keys its contracts', async () => {
    const secrets = ['d4', 'e5', 'f6'].map((b) => b.repeat(32));
    const people = Array.from({ length: 3000 }, (_, i) => ({ id: `person-${i}`, phone: `139${String(i * 7919).padStart(8, '0')}` }));
    const policy = { id: { transform: 'hash' }, phone: { transform: 'mask' } };
    const keys = deriveTransformKeys(Buffer.from(secrets[1]!, 'hex'));
    const leaked = createDesensitizer(policy, keys, { fingerprint: { key: keys.fingerprint, rate: 0.01 } }).transformAll(people);
    write('leak.ndjson', leaked.filter((_, i) => i % 2 === 0).map((r) => JSON.stringify(r)).join('\n'));
    write('contracts.json', secrets.map((secret, i) => ({ recipientId: `contract-${i}`, secret })));
    const run = await runCliInProcess(['trace', 'leak.ndjson', '--key-file', 'key.json', '--candidates', 'contracts.json'], { cwd: dir });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.recipientId).toBe('contract-1');
    expect(report.candidates.map((c: { recipientId: string }) => c.recipientId)).toContain('contract-2');
  });

  it('refuses bad invocations and candidate files', async () => {
    expect((await runCliInProcess(['trace', 'leak.ndjson'], { cwd: dir })).code).toBe(2);
    expect((await runCliInProcess(['trace', '--key-file', 'key.json', '--candidates', 'c.json'], { cwd: dir })).code).toBe(2);
    write('empty.json', []);
    expect(await runCliInProcess(['trace', 'leak.ndjson', '--key-file', 'key.json', '--candidates', 'empty.json'], { cwd: dir })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('VALIDATION_FAILED'),
    });
    write('bad.json', [{ name: 'x' }]);
    expect((await runCliInProcess(['trace', 'leak.ndjson', '--key-file', 'key.json', '--candidates', 'bad.json'], { cwd: dir })).code).toBe(1);
  });
});
