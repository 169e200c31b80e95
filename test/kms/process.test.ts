import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../../common/index.ts';
import { randomBytes, randomToken } from '../../crypto/index.ts';
import { deriveWorkerToken, KmsClient, verifyAuditChain, type AuditEvent } from '../../kms/index.ts';
import { freePort } from '../../scripts/ports.ts';
import { backendAvailable } from '../support/backends.ts';
import { caught } from '../support/errors.ts';
import { tempDir } from '../support/files.ts';
import { api } from '../support/http.ts';
import { KmsProcess, runKmsToExit } from '../support/kms.ts';
import { postgresInstalled, startPostgres } from '../support/postgres.ts';

const running: KmsProcess[] = [];

async function start(env: Record<string, string>, port?: number): Promise<KmsProcess> {
  const kms = new KmsProcess(port ?? (await freePort()), env);
  running.push(kms);
  await kms.start();
  return kms;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((kms) => kms.stop('SIGKILL')));
});

async function allAudit(client: KmsClient): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (let after = 0; ; ) {
    const page = await client.audit(after, 1000);
    if (page.events.length === 0) return events;
    events.push(...page.events);
    after = page.next;
  }
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}


describe('KMS process', () => {
  it('keeps keys across a restart, stays closed to other tokens and leaves no data key at rest', async () => {
    const dataDir = tempDir('sluice-kms-');
    const token = randomToken('kms_');
    const env = { SLUICE_DATA_DIR: dataDir, SLUICE_KMS_TOKEN: token };
    let kms = await start(env);
    let client = new KmsClient({ url: kms.url, token });
    const { keyId } = await client.createKey('SM4');
    const context = { datasetId: 'ds_restart' };
    const dataKey = await client.dataKey(keyId, context);
    const plaintext = randomBytes(32);
    const ciphertext = await client.encrypt(keyId, plaintext, context);
    await client.rotate(keyId);
    expect((await api(kms.url, 'POST', `/v1/keys/${keyId}/decrypt`, { json: { ciphertext, context } })).status).toBe(401);
    expect(await kms.stop('SIGTERM')).toBe(0);
    expect(kms.output()).not.toContain(token);

    kms = await start(env);
    client = new KmsClient({ url: kms.url, token });
    expect(await client.decrypt(keyId, dataKey.ciphertext, context)).toEqual(dataKey.plaintext);
    expect(await client.decrypt(keyId, ciphertext, context)).toEqual(plaintext);
    expect(await client.getKey(keyId)).toMatchObject({ latestVersion: 2, versions: [1, 2], state: 'active' });
    expect(verifyAuditChain(await allAudit(client))).toEqual({ valid: true });
    await kms.stop('SIGTERM');

    for (const file of filesUnder(dataDir)) {
      const content = fs.readFileSync(file);
      for (const secret of [dataKey.plaintext, plaintext]) {
        for (const encoding of ['hex', 'base64', 'base64url'] as const) {
          expect(content.includes(Buffer.from(secret)) || content.includes(Buffer.from(Buffer.from(secret).toString(encoding)))).toBe(false);
        }
      }
    }
  });

  it('runs standalone without a configured token: generates one into the data dir and logs only its path', async () => {
    const dataDir = tempDir('sluice-kms-');
    const kms = await start({ SLUICE_DATA_DIR: dataDir });
    const tokenFile = path.join(dataDir, 'kms', 'token');
    const token = fs.readFileSync(tokenFile, 'utf8').trim();
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect((await api(kms.url, 'POST', '/v1/keys', { token, json: { alg: 'AES-256-GCM' } })).status).toBe(201);
    expect(kms.output()).toContain(tokenFile);
    expect(kms.output()).not.toContain(token);
    const logLine = kms.output().split('\n').find((line) => line.includes('KMS listening'));
    expect(JSON.parse(logLine!)).toMatchObject({ service: 'kms', msg: 'KMS listening', port: kms.port });
  });

  it('in shamir mode comes back sealed after a restart and refuses key use until threshold shares arrive', async () => {
    const dataDir = tempDir('sluice-kms-');
    const token = randomToken('kms_');
    const env = { SLUICE_DATA_DIR: dataDir, SLUICE_KMS_TOKEN: token, SLUICE_KMS_SEAL: 'shamir' };
    let kms = await start(env);
    let client = new KmsClient({ url: kms.url, token });
    const shares = await client.initSeal(3, 2);
    await client.unseal(shares[0]!);
    await client.unseal(shares[2]!);
    const { keyId } = await client.createKey('SM4');
    const ciphertext = await client.encrypt(keyId, new Uint8Array([7, 7, 7]), {});
    await kms.stop('SIGTERM');
    for (const share of shares) expect(kms.output()).not.toContain(share);

    kms = await start(env);
    client = new KmsClient({ url: kms.url, token });
    await client.health();
    expect(await client.status()).toMatchObject({ sealed: true, initialized: true, threshold: 2, progress: 0 });
    const sealed = await api(kms.url, 'POST', `/v1/keys/${keyId}/decrypt`, { token, json: { ciphertext, context: {} } });
    expect(sealed.status).toBe(503);
    expect(sealed.body.error.code).toBe('KMS_SEALED');
    expect((await caught(client.decrypt(keyId, ciphertext, {}))).code).toBe('KMS_UNAVAILABLE');

    const forged = Buffer.from(shares[1]!, 'base64');
    forged[5]! ^= 0x40;
    await client.unseal(shares[0]!);
    expect((await caught(client.unseal(forged.toString('base64')))).code).toBe('DECRYPT_FAILED');
    expect(await client.status()).toMatchObject({ sealed: true, progress: 0 });
    await client.unseal(shares[1]!);
    expect(await client.unseal(shares[2]!)).toMatchObject({ sealed: false });
    expect(await client.decrypt(keyId, ciphertext, {})).toEqual(new Uint8Array([7, 7, 7]));
  });

  it('serves the HE key-set extension: the worker identity reads a public key and nothing secret', async () => {
    const token = randomToken('kms_');
    const kms = await start({ SLUICE_DATA_DIR: tempDir('sluice-kms-'), SLUICE_KMS_TOKEN: token });
    const worker = deriveWorkerToken(token);
    const created = await api(kms.url, 'POST', '/v1/he/keysets', { token, json: { jobId: 'job_process_test', scheme: 'bfv' } });
    expect(created.status).toBe(201);
    const publicKey = await api(kms.url, 'GET', `/v1/he/keysets/${created.body.keysetId}/public`, { token: worker });
    expect(publicKey.status).toBe(200);
    expect(publicKey.body.publicKey).toBe(created.body.publicKey);
    expect((await api(kms.url, 'POST', '/v1/he/keysets', { token: worker, json: { jobId: 'job_other', scheme: 'bfv' } })).status).toBe(403);
    expect((await api(kms.url, 'POST', `/v1/keys/${created.body.keyId}/datakey`, { token: worker, json: { context: {} } })).status).toBe(403);
  });

  it('fails closed: clients get KMS_UNAVAILABLE once the process is gone', async () => {
    const token = randomToken('kms_');
    const kms = await start({ SLUICE_DATA_DIR: tempDir('sluice-kms-'), SLUICE_KMS_TOKEN: token });
    const client = new KmsClient({ url: kms.url, token, timeoutMs: 1000 });
    const { keyId } = await client.createKey();
    const dataKey = await client.dataKey(keyId, {});
    await kms.stop('SIGKILL');
    expect((await caught(client.decrypt(keyId, dataKey.ciphertext, {}))).code).toBe('KMS_UNAVAILABLE');
    expect((await caught(client.dataKey(keyId, {}))).code).toBe('KMS_UNAVAILABLE');
    expect((await caught(client.health())).code).toBe('KMS_UNAVAILABLE');
  });

  it('leaves the store consistent when killed mid-request', async () => {
    const dataDir = tempDir('sluice-kms-');
    const token = randomToken('kms_');
    const env = { SLUICE_DATA_DIR: dataDir, SLUICE_KMS_TOKEN: token };
    let kms = await start(env);
    let client = new KmsClient({ url: kms.url, token, timeoutMs: 2000 });
    const keyIds: string[] = [];
    for (let i = 0; i < 6; i++) keyIds.push((await client.createKey(i % 2 ? 'AES-256-GCM' : 'SM4')).keyId);
    const acknowledged: Array<{ keyId: string; ciphertext: string; context: { n: number }; plaintext: Uint8Array }> = [];

    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const keyId = keyIds[(n + i) % keyIds.length]!;
        try {
          if (i % 5 === 0) await client.rotate(keyId);
          else if (i % 7 === 0) keyIds.push((await client.createKey()).keyId);
          else if (i % 3 === 0) {
            const plaintext = randomBytes(24);
            acknowledged.push({ keyId, ciphertext: await client.encrypt(keyId, plaintext, { n }), context: { n }, plaintext });
          } else {
            const dataKey = await client.dataKey(keyId, { n });
            acknowledged.push({ keyId, ciphertext: dataKey.ciphertext, context: { n }, plaintext: dataKey.plaintext });
          }
        } catch (error) {
          if (!isSluiceError(error) || error.code !== 'KMS_UNAVAILABLE') throw error;
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, n) => worker(n));
    await new Promise((r) => setTimeout(r, 1500));
    await kms.stop('SIGKILL');
    stop = true;
    await Promise.all(workers);
    expect(acknowledged.length).toBeGreaterThan(20);

    kms = await start(env);
    client = new KmsClient({ url: kms.url, token });
    const events = await allAudit(client);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(verifyAuditChain(events)).toEqual({ valid: true });

    const { keys } = await client.listKeys({ limit: 1000 });
    for (const key of keys) {
      expect(key.versions).toEqual(Array.from({ length: key.latestVersion }, (_, i) => i + 1));
      const rotations = events.filter((e) => e.keyId === key.keyId && e.operation === 'rotate' && e.outcome === 'ok');
      expect(rotations.map((e) => e.version)).toEqual(key.versions.slice(1));
      expect(events.filter((e) => e.keyId === key.keyId && e.operation === 'create' && e.outcome === 'ok')).toHaveLength(1);
      const fresh = randomBytes(8);
      expect(await client.decrypt(key.keyId, await client.encrypt(key.keyId, fresh, {}), {})).toEqual(fresh);
    }
    // Every answer a client received was committed with its audit event before it was sent.
    for (let i = 0; i < acknowledged.length; i += 16) {
      await Promise.all(
        acknowledged.slice(i, i + 16).map(async ({ keyId, ciphertext, context, plaintext }) => {
          expect(await client.decrypt(keyId, ciphertext, context)).toEqual(plaintext);
        }),
      );
    }
  });

  it('refuses to start on a wrong passphrase, a missing passphrase, or a seal mode the store was not made with', async () => {
    const dataDir = tempDir('sluice-kms-');
    const env = { SLUICE_DATA_DIR: dataDir, SLUICE_KMS_TOKEN: randomToken('kms_'), SLUICE_KMS_SEAL: 'passphrase', SLUICE_KMS_PASSPHRASE: 'first passphrase' };
    const kms = await start(env);
    await kms.stop('SIGTERM');
    const wrong = await runKmsToExit({ ...env, SLUICE_KMS_PASSPHRASE: 'second passphrase' });
    expect(wrong.code).toBe(1);
    expect(wrong.output).toContain('does not open the stored master key');
    expect(wrong.output).not.toContain('second passphrase');
    const missing = await runKmsToExit({ SLUICE_DATA_DIR: dataDir, SLUICE_KMS_SEAL: 'passphrase' });
    expect(missing.code).toBe(2);
    const otherMode = await runKmsToExit({ SLUICE_DATA_DIR: dataDir, SLUICE_KMS_SEAL: 'file' });
    expect(otherMode.code).toBe(1);
    expect(otherMode.output).toContain('initialized in passphrase seal mode');
  });
});

describe.runIf(backendAvailable('postgresql', postgresInstalled()))('KMS process on PostgreSQL', () => {
  it('stores keys in PostgreSQL and keeps them across a restart', async () => {
    const pg = await startPostgres();
    try {
      const dataDir = tempDir('sluice-kms-');
      const token = randomToken('kms_');
      const env = { SLUICE_DATA_DIR: dataDir, SLUICE_KMS_TOKEN: token, SLUICE_KMS_DATABASE_URL: pg.url };
      let kms = await start(env);
      let client = new KmsClient({ url: kms.url, token });
      const { keyId } = await client.createKey('AES-256-GCM');
      const dataKey = await client.dataKey(keyId, { datasetId: 'pg' });
      await client.rotate(keyId);
      await kms.stop('SIGTERM');
      expect(fs.existsSync(path.join(dataDir, 'kms', 'kms.db'))).toBe(false);

      kms = await start(env);
      client = new KmsClient({ url: kms.url, token });
      expect(await client.decrypt(keyId, dataKey.ciphertext, { datasetId: 'pg' })).toEqual(dataKey.plaintext);
      expect(await client.getKey(keyId)).toMatchObject({ versions: [1, 2] });
      await client.destroy(keyId);
      expect((await caught(client.decrypt(keyId, dataKey.ciphertext, { datasetId: 'pg' }))).code).toBe('KEY_DESTROYED');
      expect(verifyAuditChain(await allAudit(client))).toEqual({ valid: true });
      await kms.stop('SIGTERM');
    } finally {
      await pg.stop();
    }
  });
});
