import { createRequire } from 'node:module';
import smCrypto from 'sm-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../crypto/index.ts';
import { startTestKms, type TestKms } from '../test/support/kms.ts';
import { verifyAuditChain, type AuditEvent, type KmsPlugin } from './index.ts';

const jcs = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Flips one bit of the sealed part (nonce‖ct‖tag) at `index` (negative counts from the end). */
function tamper(ciphertext: string, index: number): string {
  const parts = ciphertext.split(':');
  const sealed = Buffer.from(parts[3]!, 'base64url');
  sealed[index < 0 ? sealed.length + index : index]! ^= 0x01;
  return [...parts.slice(0, 3), sealed.toString('base64url')].join(':');
}


describe('KMS HTTP API', () => {
  let kms: TestKms;
  const sentinel = 'SENTINEL-VALUE-8c1e';

  beforeAll(async () => {
    kms = await startTestKms();
  });
  afterAll(() => kms?.close());

  const create = async (body: object = { alg: 'SM4' }) => {
    const response = await kms.http('POST', '/v1/keys', body);
    expect(response.status).toBe(201);
    return response.body.keyId as string;
  };

  it('answers /healthz and seal status without a token', async () => {
    expect(await kms.http('GET', '/healthz', undefined, null)).toEqual({ status: 200, body: { status: 'ok' } });
    const status = await kms.http('GET', '/v1/sys/status', undefined, null);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ sealed: false, initialized: true, mode: 'file' });
  });

  it('refuses a missing or unknown token with 401 and the worker identity with 403', async () => {
    const keyId = await create();
    for (const token of [null, 'kms_not_the_token', kms.token + 'x']) {
      const response = await kms.http('POST', `/v1/keys/${keyId}/datakey`, { context: {} }, token);
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('UNAUTHENTICATED');
    }
    const basic = await call('POST', `/v1/keys/${keyId}/datakey`, { authorization: `Basic ${kms.token}` });
    expect(basic.status).toBe(401);
    for (const [method, route, body] of [
      ['POST', `/v1/keys/${keyId}/datakey`, { context: {} }],
      ['POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AA==', context: {} }],
      ['POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: 'x', context: {} }],
      ['POST', '/v1/keys', { alg: 'SM4' }],
      ['GET', `/v1/keys/${keyId}`, undefined],
      ['GET', '/v1/audit', undefined],
      ['POST', '/v1/sys/seal', undefined],
    ] as const) {
      const response = await kms.http(method, route, body, kms.workerToken);
      expect(response.status, route).toBe(403);
      expect(response.body.error.code).toBe('FORBIDDEN');
    }
    expect((await kms.http('GET', '/v1/sys/status', undefined, kms.workerToken)).status).toBe(200);

    async function call(method: string, route: string, headers: Record<string, string>) {
      const response = await fetch(kms.url + route, { method, headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
      return { status: response.status };
    }
  });

  it('creates SM4 and AES-256-GCM keys and reports metadata without material', async () => {
    for (const alg of ['SM4', 'AES-256-GCM']) {
      const response = await kms.http('POST', '/v1/keys', { alg, purpose: 'dataset', policy: { contextRequired: ['datasetId'] } });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({ keyId: expect.stringMatching(/^key_[A-Za-z0-9_-]{22}$/), version: 1 });
      const meta = await kms.http('GET', `/v1/keys/${response.body.keyId}`);
      expect(meta.status).toBe(200);
      expect(meta.body).toEqual({
        keyId: response.body.keyId,
        alg,
        purpose: 'dataset',
        state: 'active',
        latestVersion: 1,
        versions: [1],
        minDecryptVersion: 1,
        policy: { contextRequired: ['datasetId'] },
        created: expect.any(String),
        updated: expect.any(String),
      });
    }
  });

  it('lists keys page by page', async () => {
    await create();
    await create();
    const first = await kms.http('GET', '/v1/keys?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.keys).toHaveLength(1);
    expect(first.body.next).toBe(first.body.keys[0].keyId);
    const rest = await kms.http('GET', `/v1/keys?after=${first.body.next}&limit=1000`);
    expect(rest.body.keys.length).toBeGreaterThan(1);
    expect(rest.body.keys.map((k: { keyId: string }) => k.keyId)).not.toContain(first.body.next);
    expect(rest.body.next).toBeNull();
  });

  it('rejects malformed requests with 4xx SURFACE codes that never echo the input', async () => {
    const keyId = await create();
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/v1/keys', { alg: sentinel }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/keys', { alg: 'SM4', extra: sentinel }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/keys', { alg: 'SM4', policy: { allowedOperations: [sentinel] } }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/keys', `{"alg": "${sentinel}`, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/keys', [sentinel], 400, 'VALIDATION_FAILED'],
      ['GET', `/v1/keys/${sentinel}!`, undefined, 400, 'VALIDATION_FAILED'],
      ['GET', '/v1/keys/key_doesnotexist', undefined, 404, 'NOT_FOUND'],
      ['POST', `/v1/keys/${keyId}/encrypt`, { plaintext: `${sentinel}!`, context: {} }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${keyId}/encrypt`, { context: {} }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AA==', context: sentinel }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AA==', contxt: { id: sentinel } }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AA==', context: { bad: '\ud800' + sentinel } }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: sentinel, context: {} }, 400, 'DECRYPT_FAILED'],
      ['POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: `sluice:v1:1:${sentinel}`, context: {} }, 400, 'DECRYPT_FAILED'],
      ['POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: 'sluice:v1:0:' + 'A'.repeat(40), context: {} }, 400, 'DECRYPT_FAILED'],
      ['POST', `/v1/keys/${keyId}/datakey`, { context: {}, bytes: 8 }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${keyId}/config`, { minDecryptVersion: 7 }, 400, 'VALIDATION_FAILED'],
      ['POST', `/v1/keys/${keyId}/config`, { minDecryptVersion: 0 }, 400, 'VALIDATION_FAILED'],
      ['GET', `/v1/audit?after=${sentinel}`, undefined, 400, 'VALIDATION_FAILED'],
      ['GET', `/v1/keys?limit=-1`, undefined, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/sys/init', { shares: 3, threshold: 2 }, 409, 'CONFLICT'],
      ['POST', '/v1/sys/unseal', { share: 'AAAA' }, 409, 'CONFLICT'],
      ['GET', `/v1/${sentinel}`, undefined, 404, 'NOT_FOUND'],
    ];
    for (const [method, route, body, status, code] of cases) {
      const response = await kms.http(method, route, body);
      expect(response.status, `${method} ${route}`).toBe(status);
      expect(response.body.error.code, `${method} ${route}`).toBe(code);
      expect(JSON.stringify(response.body)).not.toContain(sentinel);
    }
  });

  it('rejects oversized bodies with 413', async () => {
    const keyId = await create();
    const response = await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'A'.repeat(3 * 1024 * 1024), context: {} });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('issues data keys wrapped under the key, unwrapped by decrypt with the same context only', async () => {
    for (const [alg, bytes] of [
      ['SM4', 16],
      ['AES-256-GCM', 32],
    ] as const) {
      const keyId = await create({ alg });
      const context = { datasetId: 'ds_1', purpose: 'transfer' };
      const response = await kms.http('POST', `/v1/keys/${keyId}/datakey`, { context });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ plaintext: expect.any(String), ciphertext: expect.stringMatching(/^sluice:v1:1:[A-Za-z0-9_-]+$/), version: 1 });
      expect(Buffer.from(response.body.plaintext, 'base64')).toHaveLength(bytes);
      const unwrapped = await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: response.body.ciphertext, context: { purpose: 'transfer', datasetId: 'ds_1' } });
      expect(unwrapped).toEqual({ status: 200, body: { plaintext: response.body.plaintext } });
      const other = await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: response.body.ciphertext, context: { datasetId: 'ds_2', purpose: 'transfer' } });
      expect(other.status).toBe(400);
      expect(other.body.error.code).toBe('DECRYPT_FAILED');
    }
    const keyId = await create();
    const sized = await kms.http('POST', `/v1/keys/${keyId}/datakey`, { context: {}, bytes: 32 });
    expect(Buffer.from(sized.body.plaintext, 'base64')).toHaveLength(32);
    const bare = await kms.http('POST', `/v1/keys/${keyId}/datakey`);
    expect(bare.status).toBe(200);
  });

  it('encrypts randomized and binds the context, the key and the version', async () => {
    const keyId = await create({ alg: 'AES-256-GCM' });
    const otherKey = await create({ alg: 'AES-256-GCM' });
    const plaintext = b64(randomBytes(40));
    const context = { transferId: 'tr_9' };
    const a = await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext, context });
    const b = await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext, context });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ ciphertext: expect.stringMatching(/^sluice:v1:1:/), version: 1 });
    expect(a.body.ciphertext).not.toBe(b.body.ciphertext);
    expect(a.body.ciphertext).not.toContain(plaintext);
    const decrypt = (id: string, ciphertext: string, ctx: object | null = context) =>
      kms.http('POST', `/v1/keys/${id}/decrypt`, ctx === null ? { ciphertext } : { ciphertext, context: ctx });
    expect((await decrypt(keyId, a.body.ciphertext)).body).toEqual({ plaintext });
    expect((await decrypt(keyId, b.body.ciphertext)).body).toEqual({ plaintext });

    const refused = [
      await decrypt(keyId, a.body.ciphertext, { transferId: 'tr_10' }),
      await decrypt(keyId, a.body.ciphertext, {}),
      await decrypt(keyId, a.body.ciphertext, null),
      await decrypt(keyId, a.body.ciphertext, { transferId: 'tr_9', extra: 'x' }),
      await decrypt(otherKey, a.body.ciphertext),
      await decrypt(keyId, tamper(a.body.ciphertext, 0)),
      await decrypt(keyId, tamper(a.body.ciphertext, 11)),
      await decrypt(keyId, tamper(a.body.ciphertext, 12)),
      await decrypt(keyId, tamper(a.body.ciphertext, -17)),
      await decrypt(keyId, tamper(a.body.ciphertext, -1)),
      await decrypt(keyId, tamper(a.body.ciphertext, -16)),
      await decrypt(keyId, a.body.ciphertext.replace('sluice:v1:1:', 'sluice:v1:2:')),
      await decrypt(keyId, a.body.ciphertext.slice(0, -4)),
      await decrypt(keyId, a.body.ciphertext.replace('sluice:v1:', 'sluice:v2:')),
    ];
    for (const [i, response] of refused.entries()) {
      expect(response.status, `case ${i}`).toBe(400);
      expect(response.body.error.code).toBe('DECRYPT_FAILED');
      expect(JSON.stringify(response.body)).not.toContain(plaintext);
    }

    const empty = await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext: '', context: {} });
    expect((await decrypt(keyId, empty.body.ciphertext, {})).body).toEqual({ plaintext: '' });
  });

  it('rotates: old versions still decrypt, new encryptions use the newest, rewrap upgrades without exposing plaintext', async () => {
    const keyId = await create();
    const context = { datasetId: 'ds_rot' };
    const plaintext = b64(randomBytes(16));
    const v1 = (await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext, context })).body.ciphertext as string;
    const dk1 = (await kms.http('POST', `/v1/keys/${keyId}/datakey`, { context })).body;
    expect(await kms.http('POST', `/v1/keys/${keyId}/rotate`)).toEqual({ status: 200, body: { version: 2 } });
    expect((await kms.http('POST', `/v1/keys/${keyId}/rotate`, {})).body).toEqual({ version: 3 });

    expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: v1, context })).body).toEqual({ plaintext });
    expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: dk1.ciphertext, context })).body).toEqual({ plaintext: dk1.plaintext });
    const v3 = await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext, context });
    expect(v3.body).toEqual({ ciphertext: expect.stringMatching(/^sluice:v1:3:/), version: 3 });
    expect((await kms.http('POST', `/v1/keys/${keyId}/datakey`, { context })).body.version).toBe(3);

    const rewrapped = await kms.http('POST', `/v1/keys/${keyId}/rewrap`, { ciphertext: v1, context });
    expect(rewrapped.status).toBe(200);
    expect(rewrapped.body).toEqual({ ciphertext: expect.stringMatching(/^sluice:v1:3:/), version: 3 });
    expect(JSON.stringify(rewrapped.body)).not.toContain(plaintext);
    expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: rewrapped.body.ciphertext, context })).body).toEqual({ plaintext });
    const wrongContext = await kms.http('POST', `/v1/keys/${keyId}/rewrap`, { ciphertext: v1, context: { datasetId: 'other' } });
    expect(wrongContext.body.error.code).toBe('DECRYPT_FAILED');

    const meta = (await kms.http('GET', `/v1/keys/${keyId}`)).body;
    expect(meta).toMatchObject({ latestVersion: 3, versions: [1, 2, 3], minDecryptVersion: 1 });
  });

  it('retires old versions with minDecryptVersion', async () => {
    const keyId = await create();
    const v1 = (await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AQID', context: {} })).body.ciphertext;
    await kms.http('POST', `/v1/keys/${keyId}/rotate`);
    const upgraded = (await kms.http('POST', `/v1/keys/${keyId}/rewrap`, { ciphertext: v1, context: {} })).body.ciphertext;
    const configured = await kms.http('POST', `/v1/keys/${keyId}/config`, { minDecryptVersion: 2 });
    expect(configured.status).toBe(200);
    expect(configured.body.minDecryptVersion).toBe(2);
    for (const action of ['decrypt', 'rewrap']) {
      const old = await kms.http('POST', `/v1/keys/${keyId}/${action}`, { ciphertext: v1, context: {} });
      expect(old.status).toBe(403);
      expect(old.body.error.code).toBe('FORBIDDEN');
    }
    expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: upgraded, context: {} })).body).toEqual({ plaintext: 'AQID' });
  });

  it('disables and enables a key', async () => {
    const keyId = await create();
    const ciphertext = (await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AQID', context: {} })).body.ciphertext;
    const disabled = await kms.http('POST', `/v1/keys/${keyId}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body.state).toBe('disabled');
    for (const [action, body] of [
      ['datakey', { context: {} }],
      ['encrypt', { plaintext: 'AQID', context: {} }],
      ['decrypt', { ciphertext, context: {} }],
      ['rewrap', { ciphertext, context: {} }],
    ] as const) {
      const response = await kms.http('POST', `/v1/keys/${keyId}/${action}`, body);
      expect(response.status, action).toBe(403);
      expect(response.body.error.code).toBe('KEY_DISABLED');
    }
    expect((await kms.http('POST', `/v1/keys/${keyId}/rotate`)).body).toEqual({ version: 2 });
    const enabled = await kms.http('POST', `/v1/keys/${keyId}/enable`);
    expect(enabled.body).toMatchObject({ state: 'active', latestVersion: 2 });
    expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext, context: {} })).body).toEqual({ plaintext: 'AQID' });
  });

  it('destroys a key for good: 410 for everything wrapped under it, before or after', async () => {
    const keyId = await create();
    const context = { datasetId: 'ds_gone' };
    const dk = (await kms.http('POST', `/v1/keys/${keyId}/datakey`, { context })).body;
    await kms.http('POST', `/v1/keys/${keyId}/rotate`);
    const ct = (await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AQID', context })).body.ciphertext;
    expect(await kms.http('POST', `/v1/keys/${keyId}/destroy`)).toEqual({ status: 200, body: { destroyed: true } });
    for (const [action, body] of [
      ['decrypt', { ciphertext: dk.ciphertext, context }],
      ['decrypt', { ciphertext: ct, context }],
      ['rewrap', { ciphertext: ct, context }],
      ['datakey', { context }],
      ['encrypt', { plaintext: 'AQID', context }],
      ['rotate', undefined],
      ['enable', undefined],
      ['disable', undefined],
    ] as const) {
      const response = await kms.http('POST', `/v1/keys/${keyId}/${action}`, body);
      expect(response.status, action).toBe(410);
      expect(response.body.error.code).toBe('KEY_DESTROYED');
    }
    const meta = (await kms.http('GET', `/v1/keys/${keyId}`)).body;
    expect(meta).toMatchObject({ state: 'destroyed', versions: [], latestVersion: 2 });
    expect((await kms.http('POST', `/v1/keys/${keyId}/destroy`)).body).toEqual({ destroyed: true });
  });

  it('enforces a key policy set at creation', async () => {
    const keyId = await create({ alg: 'SM4', policy: { allowedOperations: ['datakey', 'decrypt'], contextRequired: ['datasetId'] } });
    const denied = await kms.http('POST', `/v1/keys/${keyId}/encrypt`, { plaintext: 'AQID', context: { datasetId: 'd' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    for (const context of [{}, { datasetId: '' }, { datasetId: null }, { other: 'x' }]) {
      const missing = await kms.http('POST', `/v1/keys/${keyId}/datakey`, { context });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { missing: ['datasetId'] } });
    }
    const dk = await kms.http('POST', `/v1/keys/${keyId}/datakey`, { context: { datasetId: 'd' } });
    expect(dk.status).toBe(200);
    expect((await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: dk.body.ciphertext, context: { datasetId: 'd' } })).body).toEqual({
      plaintext: dk.body.plaintext,
    });
    expect((await kms.http('POST', `/v1/keys/${keyId}/rewrap`, { ciphertext: dk.body.ciphertext, context: { datasetId: 'd' } })).status).toBe(403);
  });

  it('audits every key operation, success or failure, as a verifiable hash chain without values', async () => {
    const before = (await kms.http('GET', '/v1/audit?limit=1000')).body.next as number;
    const keyId = await create();
    const context = { datasetId: 'ds_audit_7', party: 'p_42' };
    const dk = (await kms.http('POST', `/v1/keys/${keyId}/datakey`, { context })).body;
    await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: dk.ciphertext, context: { datasetId: 'wrong' } });
    await kms.http('POST', `/v1/keys/${keyId}/rotate`);
    await kms.http('POST', `/v1/keys/${keyId}/destroy`);
    await kms.http('POST', `/v1/keys/${keyId}/decrypt`, { ciphertext: dk.ciphertext, context });

    const page = await kms.http('GET', `/v1/audit?after=${before}&limit=1000`);
    expect(page.status).toBe(200);
    const events = (page.body.events as AuditEvent[]).filter((e) => e.keyId === keyId);
    expect(events.map((e) => [e.operation, e.outcome, e.code, e.version])).toEqual([
      ['create', 'ok', null, 1],
      ['datakey', 'ok', null, 1],
      ['decrypt', 'error', 'DECRYPT_FAILED', 1],
      ['rotate', 'ok', null, 2],
      ['destroy', 'ok', null, null],
      ['decrypt', 'error', 'KEY_DESTROYED', null],
    ]);
    expect(events.every((e) => e.caller === 'service')).toBe(true);
    const expectedDigest = smCrypto.sm3(jcs(context));
    expect(events[1]!.contextDigest).toBe(expectedDigest);
    const text = JSON.stringify(page.body);
    for (const secret of [dk.plaintext, dk.ciphertext, 'ds_audit_7', 'p_42', kms.token]) expect(text).not.toContain(secret);

    const all: AuditEvent[] = [];
    for (let after = 0; ; ) {
      const next = (await kms.http('GET', `/v1/audit?after=${after}&limit=7`)).body;
      all.push(...next.events);
      if (next.events.length === 0) break;
      after = next.next;
    }
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(verifyAuditChain(all)).toEqual({ valid: true });
    const forged = all.map((e) => (e.seq === 3 ? { ...e, outcome: 'error' as const } : e));
    expect(verifyAuditChain(forged)).toMatchObject({ valid: false, seq: 3, reason: 'event altered' });
    expect(verifyAuditChain(all.filter((e) => e.seq !== 4))).toMatchObject({ valid: false, seq: 5, reason: 'sequence gap' });
    expect(verifyAuditChain(all.slice(3), all[2]!.hash)).toEqual({ valid: true });
  });
});

describe('KMS extension seam', () => {
  let kms: TestKms;
  const plugin: KmsPlugin = {
    name: 'he-test',
    async register(scope, context) {
      scope.get('/v1/he/public', { config: { access: 'worker' } }, async (request) => {
        context.requireUnsealed();
        return { caller: context.callerOf(request) };
      });
      scope.post('/v1/he/secret', async (request) => {
        const sealed = context.wrap(new Uint8Array([1, 2, 3]), new TextEncoder().encode('he-test'));
        await context.audited({ caller: context.callerOf(request), operation: 'he.secret', keyId: null }, async () => undefined);
        return { size: context.unwrap(sealed, new TextEncoder().encode('he-test')).length };
      });
    },
  };

  beforeAll(async () => {
    kms = await startTestKms({}, { plugins: [plugin] });
  });
  afterAll(() => kms?.close());

  it('lets plugin routes open public material to the worker and keep the rest for the service', async () => {
    expect(await kms.http('GET', '/v1/he/public', undefined, kms.workerToken)).toEqual({ status: 200, body: { caller: 'worker' } });
    expect(await kms.http('GET', '/v1/he/public')).toEqual({ status: 200, body: { caller: 'service' } });
    expect((await kms.http('GET', '/v1/he/public', undefined, null)).status).toBe(401);
    expect((await kms.http('POST', '/v1/he/secret', undefined, kms.workerToken)).status).toBe(403);
    expect(await kms.http('POST', '/v1/he/secret')).toEqual({ status: 200, body: { size: 3 } });
    const events = (await kms.http('GET', '/v1/audit')).body.events as AuditEvent[];
    expect(events.at(-1)).toMatchObject({ operation: 'he.secret', caller: 'service', outcome: 'ok' });
  });
});

describe('sealing an auto-unsealed KMS', () => {
  it('answers KMS_SEALED for key operations once sealed, while health and status still answer', async () => {
    const kms = await startTestKms();
    try {
      const keyId = (await kms.http('POST', '/v1/keys', { alg: 'SM4' })).body.keyId;
      const sealed = await kms.http('POST', '/v1/sys/seal');
      expect(sealed.body).toMatchObject({ sealed: true, mode: 'file' });
      for (const [method, route, body] of [
        ['POST', '/v1/keys', { alg: 'SM4' }],
        ['POST', `/v1/keys/${keyId}/datakey`, { context: {} }],
        ['POST', `/v1/keys/${keyId}/rotate`, undefined],
        ['GET', `/v1/keys/${keyId}`, undefined],
        ['GET', '/v1/keys', undefined],
      ] as const) {
        const response = await kms.http(method, route, body);
        expect(response.status, route).toBe(503);
        expect(response.body.error.code).toBe('KMS_SEALED');
      }
      expect((await kms.http('GET', '/healthz', undefined, null)).status).toBe(200);
      const events = (await kms.http('GET', '/v1/audit')).body.events as AuditEvent[];
      expect(events.find((e) => e.operation === 'sys.seal')).toMatchObject({ outcome: 'ok', caller: 'service' });
      expect(events.filter((e) => e.code === 'KMS_SEALED')).toHaveLength(3);
    } finally {
      await kms.close();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 RATE_LIMITED past SLUICE_KMS_RATE_LIMIT requests a minute, health exempt', async () => {
    const kms = await startTestKms({ SLUICE_KMS_RATE_LIMIT: '3' });
    try {
      for (let i = 0; i < 3; i++) expect((await kms.http('GET', '/v1/keys')).status).toBe(200);
      const limited = await kms.http('GET', '/v1/keys');
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('RATE_LIMITED');
      for (let i = 0; i < 5; i++) expect((await kms.http('GET', '/healthz', undefined, null)).status).toBe(200);
    } finally {
      await kms.close();
    }
  });
});
