import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/index.ts';
import { tempDir } from '../test/support/files.ts';
import { api } from '../test/support/http.ts';
import { startTestKms } from '../test/support/kms.ts';
import { startKmsServer } from './index.ts';

const silent = createLogger('kms-test', 'silent');

function forge(share: string): string {
  const bytes = Buffer.from(share, 'base64');
  bytes[bytes.length - 1]! ^= 0xff;
  return bytes.toString('base64');
}


describe('shamir seal', () => {
  it('starts sealed, initializes once, unseals at the threshold and refuses a wrong share set', async () => {
    const dataDir = tempDir('sluice-kms-');
    let kms = await startTestKms({ SLUICE_DATA_DIR: dataDir, SLUICE_KMS_SEAL: 'shamir' });
    try {
      expect((await kms.http('GET', '/v1/sys/status')).body).toEqual({
        sealed: true,
        initialized: false,
        mode: 'shamir',
        threshold: null,
        progress: 0,
        shares: null,
      });
      const sealedCreate = await kms.http('POST', '/v1/keys', { alg: 'SM4' });
      expect(sealedCreate.status).toBe(503);
      expect(sealedCreate.body.error.code).toBe('KMS_SEALED');
      expect((await kms.http('POST', '/v1/sys/unseal', { share: 'AAAA' })).body.error.code).toBe('CONFLICT');
      expect((await kms.http('POST', '/v1/sys/init', { shares: 2, threshold: 3 })).body.error.code).toBe('VALIDATION_FAILED');
      expect((await kms.http('POST', '/v1/sys/init', { shares: 3, threshold: 2 }, kms.workerToken)).status).toBe(403);
      expect((await kms.http('POST', '/v1/sys/init', { shares: 3, threshold: 2 }, null)).status).toBe(401);

      const init = await kms.http('POST', '/v1/sys/init', { shares: 5, threshold: 3 });
      expect(init.status).toBe(200);
      const shares = init.body.shares as string[];
      expect(shares).toHaveLength(5);
      expect(new Set(shares).size).toBe(5);
      expect(init.body.threshold).toBe(3);
      expect((await kms.http('POST', '/v1/sys/init', { shares: 5, threshold: 3 })).body.error.code).toBe('CONFLICT');
      expect((await kms.http('GET', '/v1/sys/status')).body).toMatchObject({ sealed: true, initialized: true, threshold: 3, shares: 5, progress: 0 });
      expect((await kms.http('POST', '/v1/sys/unseal', { share: 'AAAA' })).body.error.code).toBe('VALIDATION_FAILED');

      expect((await kms.http('POST', '/v1/sys/unseal', { share: shares[0] })).body).toMatchObject({ sealed: true, progress: 1 });
      expect((await kms.http('POST', '/v1/sys/unseal', { share: shares[0] })).body).toMatchObject({ sealed: true, progress: 1 });
      expect((await kms.http('POST', '/v1/sys/unseal', { share: shares[1] })).body).toMatchObject({ sealed: true, progress: 2 });
      const unsealed = await kms.http('POST', '/v1/sys/unseal', { share: shares[4] });
      expect(unsealed.body).toMatchObject({ sealed: false, progress: 0 });

      const keyId = (await kms.http('POST', '/v1/keys', { alg: 'SM4' })).body.keyId;
      const ciphertext = (await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AQID', context: {} })).body.ciphertext;
      expect((await kms.http('POST', '/v1/sys/seal')).body).toMatchObject({ sealed: true });
      expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext, context: {} })).body.error.code).toBe('KMS_SEALED');

      await kms.http('POST', '/v1/sys/unseal', { share: shares[0] });
      await kms.http('POST', '/v1/sys/unseal', { share: shares[2] });
      const wrong = await kms.http('POST', '/v1/sys/unseal', { share: forge(shares[3]!) });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.code).toBe('DECRYPT_FAILED');
      expect((await kms.http('GET', '/v1/sys/status')).body).toMatchObject({ sealed: true, progress: 0 });

      for (const share of [shares[2], shares[3], shares[1]]) await kms.http('POST', '/v1/sys/unseal', { share });
      expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext, context: {} })).body).toEqual({ plaintext: 'AQID' });
      await kms.close();

      kms = await startTestKms({ SLUICE_DATA_DIR: dataDir, SLUICE_KMS_SEAL: 'shamir', SLUICE_KMS_TOKEN: kms.token });
      expect((await kms.http('GET', '/v1/sys/status')).body).toMatchObject({ sealed: true, initialized: true, progress: 0 });
      for (const share of [shares[4], shares[3], shares[0]]) await kms.http('POST', '/v1/sys/unseal', { share });
      expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext, context: {} })).body).toEqual({ plaintext: 'AQID' });

      const ops = (await kms.http('GET', '/v1/audit?limit=1000')).body.events.filter((e: { operation: string }) => e.operation.startsWith('sys.'));
      expect(ops.map((e: { operation: string; outcome: string }) => `${e.operation}:${e.outcome}`)).toEqual([
        'sys.init:ok',
        'sys.unseal:ok',
        'sys.seal:ok',
        'sys.unseal:error',
        'sys.unseal:ok',
        'sys.unseal:ok',
      ]);
    } finally {
      await kms.close();
    }
  });

  it('refuses splits a threshold of one would make pointless', async () => {
    const kms = await startTestKms({ SLUICE_KMS_SEAL: 'shamir' });
    try {
      for (const body of [{ shares: 1, threshold: 1 }, { shares: 3, threshold: 1 }, { shares: 17, threshold: 2 }]) {
        const response = await kms.http('POST', '/v1/sys/init', body);
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('VALIDATION_FAILED');
      }
      expect((await kms.http('GET', '/v1/sys/status')).body).toMatchObject({ initialized: false });
    } finally {
      await kms.close();
    }
  });
});

describe('passphrase seal', () => {
  it('reopens with the same passphrase and refuses to start with another', async () => {
    const dataDir = tempDir('sluice-kms-');
    const env = { SLUICE_DATA_DIR: dataDir, SLUICE_KMS_SEAL: 'passphrase', SLUICE_KMS_PASSPHRASE: 'correct horse battery staple' };
    let kms = await startTestKms(env);
    const keyId = (await kms.http('POST', '/v1/keys', { alg: 'SM4' })).body.keyId;
    const ciphertext = (await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AQID', context: {} })).body.ciphertext;
    await kms.close();
    expect(fs.existsSync(path.join(dataDir, 'kms', 'unseal.key'))).toBe(false);

    await expect(startTestKms({ ...env, SLUICE_KMS_PASSPHRASE: 'correct horse battery stapler' })).rejects.toThrow(/does not open the stored master key/);
    kms = await startTestKms({ ...env, SLUICE_KMS_TOKEN: kms.token });
    try {
      expect((await kms.http('GET', '/v1/sys/status')).body).toMatchObject({ sealed: false, mode: 'passphrase' });
      expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext, context: {} })).body).toEqual({ plaintext: 'AQID' });
    } finally {
      await kms.close();
    }
  });

  it('is refused without a passphrase', async () => {
    await expect(startKmsServer({ env: { SLUICE_DATA_DIR: tempDir('sluice-kms-'), SLUICE_KMS_SEAL: 'passphrase' }, logger: silent })).rejects.toThrow(/SLUICE_KMS_PASSPHRASE/);
  });
});

describe('file seal', () => {
  it('keeps the unseal key in a 0600 file and refuses to start without it, with another key, or in another mode', async () => {
    const dataDir = tempDir('sluice-kms-');
    const kms = await startTestKms({ SLUICE_DATA_DIR: dataDir });
    await kms.close();
    const keyFile = path.join(dataDir, 'kms', 'unseal.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'kms')).mode & 0o777).toBe(0o700);
    const original = fs.readFileSync(keyFile, 'utf8');

    await expect(startTestKms({ SLUICE_DATA_DIR: dataDir, SLUICE_KMS_SEAL: 'shamir' })).rejects.toThrow(/initialized in file seal mode/);
    fs.writeFileSync(keyFile, '00'.repeat(16));
    await expect(startTestKms({ SLUICE_DATA_DIR: dataDir })).rejects.toThrow(/does not open the stored master key/);
    fs.writeFileSync(keyFile, 'not hex');
    await expect(startTestKms({ SLUICE_DATA_DIR: dataDir })).rejects.toThrow(/hex digits/);
    fs.rmSync(keyFile);
    await expect(startTestKms({ SLUICE_DATA_DIR: dataDir })).rejects.toThrow(/is missing/);
    fs.writeFileSync(keyFile, original, { mode: 0o600 });
    const reopened = await startTestKms({ SLUICE_DATA_DIR: dataDir });
    await reopened.close();
  });

  it('can keep the unseal key outside the data directory', async () => {
    const keyFile = path.join(tempDir('sluice-kms-'), 'mounted', 'unseal.key');
    const kms = await startTestKms({ SLUICE_KMS_UNSEAL_KEY_FILE: keyFile });
    await kms.close();
    expect(fs.existsSync(keyFile)).toBe(true);
    expect(fs.existsSync(path.join(kms.dataDir, 'kms', 'unseal.key'))).toBe(false);
  });
});

describe('service token', () => {
  it('is generated once into a 0600 file when none is configured, logged by path only', async () => {
    const dataDir = tempDir('sluice-kms-');
    const lines: string[] = [];
    const logger = createLogger('kms', 'info', { write: (line: string) => void lines.push(line) });
    const env = { SLUICE_DATA_DIR: dataDir, SLUICE_KMS_PORT: '0' };
    let server = await startKmsServer({ env, logger });
    const tokenFile = path.join(dataDir, 'kms', 'token');
    const token = fs.readFileSync(tokenFile, 'utf8').trim();
    try {
      expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
      expect(token).toMatch(/^kms_[A-Za-z0-9_-]{43}$/);
      expect((await api(server.url, 'POST', '/v1/keys', { token, json: { alg: 'SM4' } })).status).toBe(201);
      expect(lines.join('\n')).toContain(tokenFile);
      expect(lines.join('\n')).not.toContain(token);
    } finally {
      await server.close();
    }
    server = await startKmsServer({ env, logger });
    try {
      expect(fs.readFileSync(tokenFile, 'utf8').trim()).toBe(token);
      expect((await api(server.url, 'GET', '/v1/keys', { token })).status).toBe(200);
      expect(lines.join('\n')).not.toContain(token);
    } finally {
      await server.close();
    }
  });
});
