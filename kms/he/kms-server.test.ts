import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encryptColumn, evaluate } from '../../compute/index.ts';
import { deriveWorkerToken } from '../identity.ts';
import { startKmsServer, type KmsServer } from '../server.ts';
import { heKeysetsPlugin } from './index.ts';

/** The plugin inside the real KMS: its access hook, master-key barrier, audit chain and store. */
describe('HE key sets on the KMS server', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kms-he-real-'));
  const service = 'svc-token-for-he-tests';
  const worker = deriveWorkerToken(service);
  const env = { SLUICE_DATA_DIR: dir, SLUICE_KMS_PORT: '0', SLUICE_KMS_TOKEN: service, SLUICE_LOG_LEVEL: 'silent' };
  let kms: KmsServer | undefined;
  afterAll(async () => {
    await kms?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (token: string, method: 'GET' | 'POST', url: string, body?: object) => {
    const response = await fetch(kms!.url + url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('serves the worker public keys only, and decrypts after release across a restart', async () => {
    kms = await startKmsServer({ env, plugins: [heKeysetsPlugin] });
    const created = await call(service, 'POST', '/v1/he/keysets', { jobId: 'job-1', scheme: 'bfv', minGroupSize: 3 });
    expect(created.status).toBe(201);
    const { keysetId } = created.body as { keysetId: string };
    const pub = await call(worker, 'GET', `/v1/he/keysets/${keysetId}/public`);
    expect(pub.status).toBe(200);
    for (const [method, url] of [['POST', '/v1/he/keysets'], ['POST', `/v1/he/keysets/${keysetId}/release`], ['POST', `/v1/he/keysets/${keysetId}/decrypt`]] as const) {
      expect((await call(worker, method, url, { jobId: 'x', scheme: 'bfv', approvals: ['o'], ciphertext: '' })).status).toBe(403);
    }
    const publicKey = Buffer.from(pub.body.publicKey, 'base64');
    const result = await evaluate({ operation: 'variance' }, [await encryptColumn(publicKey, [1, 2, 3, 4], { operation: 'variance' })], { publicKey });
    const ciphertext = Buffer.from(result).toString('base64');
    expect((await call(worker, 'POST', `/v1/he/keysets/${keysetId}/result`, { digest: createHash('sha256').update(result).digest('hex') })).status).toBe(200);
    expect((await call(service, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext })).body).toMatchObject({ error: { code: 'RESULT_NOT_RELEASED' } });
    expect((await call(service, 'POST', `/v1/he/keysets/${keysetId}/release`, { approvals: ['owner-1'] })).status).toBe(200);

    await kms.close();
    kms = await startKmsServer({ env, plugins: [heKeysetsPlugin] });
    expect((await call(service, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext })).body).toEqual({ operation: 'variance', value: 1.25, n: 4 });
  });
});
