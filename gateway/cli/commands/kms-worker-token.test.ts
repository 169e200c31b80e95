import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli.ts';
import { startTestKms, type TestKms } from '../../../test/support/kms.ts';

describe('sluice kms worker-token', () => {
  let kms: TestKms;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-wt-'));
  beforeAll(async () => {
    kms = await startTestKms();
  });
  afterAll(async () => {
    await kms?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('derives a token the KMS takes as its compute worker’s, and no more', async () => {
    const result = await runCliInProcess(['kms', 'worker-token'], { env: { SLUICE_KMS_TOKEN: kms.token }, cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const token = result.stdout.trim();
    expect(token).not.toContain(kms.token);
    expect(result.stdout + result.stderr).not.toContain(kms.token);
    // The KMS knows it as its worker (403 outside the worker's routes), where any other token is unknown (401).
    expect((await kms.http('GET', '/v1/keys', undefined, token)).body.error.code).toBe('FORBIDDEN');
    expect((await kms.http('POST', '/v1/keys', { alg: 'SM4' }, token)).status).toBe(403);
    expect((await kms.http('GET', '/v1/keys', undefined, token.slice(0, -1) + (token.endsWith('0') ? '1' : '0'))).status).toBe(401);
  });

  it('reads the service token from a file or the data dir the KMS wrote it to, never from the arguments', async () => {
    const expected = (await runCliInProcess(['kms', 'worker-token'], { env: { SLUICE_KMS_TOKEN: kms.token }, cwd: dir })).stdout;
    fs.writeFileSync(path.join(dir, 'service-token'), `${kms.token}\n`, { mode: 0o600 });
    expect(await runCliInProcess(['kms', 'worker-token', '--token-file', 'service-token'], { env: {}, cwd: dir })).toMatchObject({ code: 0, stdout: expected });
    fs.mkdirSync(path.join(dir, 'data', 'kms'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'kms', 'token'), `${kms.token}\n`);
    expect(await runCliInProcess(['kms', 'worker-token'], { env: { SLUICE_DATA_DIR: path.join(dir, 'data') }, cwd: dir })).toMatchObject({ code: 0, stdout: expected });
    expect(await runCliInProcess(['kms', 'worker-token', kms.token], { env: {}, cwd: dir })).toMatchObject({ code: 2, stdout: '' });
    expect(await runCliInProcess(['kms', 'worker-token'], { env: { SLUICE_DATA_DIR: path.join(dir, 'none') }, cwd: dir })).toMatchObject({ code: 2, stdout: '' });
  });
});
