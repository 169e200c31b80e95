import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePublicKey, encryptColumn, evaluate, PARAMETER_SETS, type ColumnSpec } from '../../compute/index.ts';
import { SERVICE, WORKER, startHeKms as server } from '../../test/support/he-keysets.ts';

function call(app: FastifyInstance, token: string | undefined, method: 'GET' | 'POST', url: string, payload?: object) {
  return app.inject({ method, url, ...(payload ? { payload } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe('HE key sets in the KMS', () => {
  let s: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => {
    s = await server();
  });
  afterAll(() => s?.close());

  async function job(jobId: string, columns: number[][], extra: object = {}, spec: ColumnSpec = { operation: 'sum' }) {
    const created = await call(s.app, SERVICE, 'POST', '/v1/he/keysets', { jobId, scheme: 'bfv', ...extra });
    expect(created.statusCode).toBe(201);
    const { keysetId } = created.json() as { keysetId: string };
    const pub = await call(s.app, WORKER, 'GET', `/v1/he/keysets/${keysetId}/public`);
    expect(pub.statusCode).toBe(200);
    const publicKey = Buffer.from((pub.json() as { publicKey: string }).publicKey, 'base64');
    const inputs = await Promise.all(columns.map((c) => encryptColumn(publicKey, c, spec)));
    const result = await evaluate({ operation: spec.operation }, inputs, { publicKey });
    const digest = createHash('sha256').update(result).digest('hex');
    expect((await call(s.app, WORKER, 'POST', `/v1/he/keysets/${keysetId}/result`, { digest })).statusCode).toBe(200);
    return { keysetId, inputs, result: Buffer.from(result).toString('base64') };
  }

  it('creates one key set per job and serves its public key to the worker', async () => {
    const first = await call(s.app, SERVICE, 'POST', '/v1/he/keysets', { jobId: 'job-a', scheme: 'bfv' });
    const again = await call(s.app, SERVICE, 'POST', '/v1/he/keysets', { jobId: 'job-a', scheme: 'bfv' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect((await call(s.app, SERVICE, 'POST', '/v1/he/keysets', { jobId: 'job-a', scheme: 'ckks' })).json()).toMatchObject({ error: { code: 'CONFLICT' } });
    expect((await call(s.app, WORKER, 'POST', '/v1/he/keysets', { jobId: 'job-b', scheme: 'bfv' })).statusCode).toBe(403);
    // Weighted sums get the parameter set that allows a plaintext multiplication.
    expect((await call(s.app, SERVICE, 'POST', '/v1/he/keysets', { jobId: 'job-a', scheme: 'bfv', operation: 'weightedSum' })).json()).toMatchObject({ error: { code: 'CONFLICT' } });
    const weighted = (await call(s.app, SERVICE, 'POST', '/v1/he/keysets', { jobId: 'job-w', scheme: 'bfv', operation: 'weightedSum' })).json() as { publicKey: string };
    const set = (pk: string) => PARAMETER_SETS[decodePublicKey(Buffer.from(pk, 'base64')).params]!;
    expect(set(weighted.publicKey).plaintextMultiply).toBe(true);
    expect(set((first.json() as { publicKey: string }).publicKey).plaintextMultiply).toBe(false);
    expect((await call(s.app, undefined, 'GET', `/v1/he/keysets/${(first.json() as { keysetId: string }).keysetId}/public`)).statusCode).toBe(401);
    expect((await call(s.app, WORKER, 'GET', '/v1/he/keysets/hks_missing/public')).statusCode).toBe(404);
  });

  it('decrypts the job result only after release, and only that result', async () => {
    const { keysetId, inputs, result } = await job('job-sum', [[1, 2, 3, 4, 5, 6], [-10, 20, 30, 40, 50]]);
    const decrypt = (ciphertext: string) => call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext });
    const early = await decrypt(result);
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: { code: 'RESULT_NOT_RELEASED' } });
    expect((await call(s.app, WORKER, 'POST', `/v1/he/keysets/${keysetId}/release`, { approvals: ['owner-1'] })).statusCode).toBe(403);
    const released = await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/release`, { approvals: [{ party: 'owner-1' }, { party: 'owner-2' }] });
    expect(released.json()).toEqual({ keysetId, released: true });
    expect((await decrypt(Buffer.from(inputs[0]!).toString('base64'))).json()).toMatchObject({ error: { code: 'DECRYPT_FAILED' } });
    const ok = await decrypt(result);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ operation: 'sum', value: 151, n: 11 });
    expect((await call(s.app, WORKER, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext: result })).statusCode).toBe(403);
    expect((await call(s.app, WORKER, 'POST', `/v1/he/keysets/${keysetId}/result`, { digest: 'f'.repeat(64) })).json()).toMatchObject({ error: { code: 'CONFLICT' } });
    expect(s.audit).toEqual(expect.arrayContaining(['service he.keyset.create', 'worker he.keyset.result', 'service he.keyset.release', 'service he.keyset.decrypt']));
  });

  it('refuses results over fewer rows than the job minimum', async () => {
    const { keysetId, result } = await job('job-small', [[1, 2, 3]], { minGroupSize: 4 });
    await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/release`, { approvals: ['owner'] });
    const refused = await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext: result });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: { code: 'GROUP_TOO_SMALL' } });
  });

  // Push-down results are partial aggregates summed, not rows: the KMS folds either into the same totals before noise or suppression.
  const layouts = [
    { layout: 'row-level', pushdown: false },
    { layout: 'push-down', pushdown: true },
  ];

  it.each(layouts)('noises every figure it decrypts under the owners’ differential-privacy terms, and says how much ($layout)', async ({ layout, pushdown }) => {
    const values = Array.from({ length: 50 }, (_, i) => i);
    const dp = { epsilonMicros: 500_000, bound: 49, rowsPerPerson: 1, weight: 1 };
    const { keysetId, result } = await job(`job-dp-${layout}`, [values], { dp }, { operation: 'sum', pushdown });
    await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/release`, { approvals: ['owner'] });
    const out = (await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext: result })).json() as { value: number; n: number; noise: unknown };
    // Two figures (the sum and n) share ε = 0.5: scale 49·2/0.5 = 196 on the sum, 1·2/0.5 = 4 on n.
    expect(out.noise).toEqual({ mechanism: 'discrete_laplace', epsilon: 0.5, scale: 196, figures: { sum: 196, n: 4 } });
    expect(Number.isInteger(out.value) && Number.isInteger(out.n)).toBe(true);
    // exp(−40) is the chance of a draw beyond 40 scales.
    expect(Math.abs(out.value - 1225)).toBeLessThan(40 * 196);
    expect(Math.abs(out.n - 50)).toBeLessThan(40 * 4);
    const refused = await call(s.app, SERVICE, 'POST', '/v1/he/keysets', { jobId: `job-dp2-${layout}`, scheme: 'bfv', dp: { epsilon: 0.5, sensitivity: 49 } });
    expect(refused.statusCode).toBe(400);
  });

  it.each(layouts)('withholds histogram bins below the floor, and the bins the gateway names, with the reason ($layout)', async ({ layout, pushdown }) => {
    const buckets = [0, 10, 20, 30, 40];
    // Bins: 12, 3, 15, 0 rows; the 3 is below the floor of 5, and n − Σ(released) would give it back.
    const values = [...Array(12).fill(1), 11, 12, 13, ...Array(15).fill(25)];
    const { keysetId, result } = await job(`job-hist-${layout}`, [values.slice(0, 14), values.slice(14)], { minGroupSize: 5 }, { operation: 'histogram', buckets, pushdown });
    await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/release`, { approvals: ['owner'] });
    const decrypt = (suppress?: object[]) => call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext: result, ...(suppress ? { suppress } : {}) });
    expect((await decrypt()).json()).toEqual({
      operation: 'histogram',
      value: [null, null, 15, 0],
      n: 30,
      suppressed: [
        { cell: 0, reason: 'secondary' },
        { cell: 1, reason: 'primary' },
      ],
    });
    // The gateway counts persons: a bin of 15 rows may be 2 persons.
    expect((await decrypt([{ cell: 2, reason: 'primary' }])).json()).toMatchObject({ value: [12, null, null, 0] });
    expect((await decrypt([{ cell: 300, reason: 'primary' }])).statusCode).toBe(400);
  });

  it('keeps secret keys sealed and bound to their key set', async () => {
    const rows = await s.database.db.selectFrom('kms_he_keysets').select(['id', 'job_id', 'secret_key']).execute();
    expect(rows.length).toBeGreaterThan(1);
    const [a, b] = rows as { id: string; job_id: string; secret_key: Uint8Array }[];
    const aad = (id: string, job: string) => new TextEncoder().encode(`sluice/kms/he/secret-key/v1\u0000${id}\u0000${job}`);
    expect(() => s.deps.unwrap(a!.secret_key, aad(b!.id, b!.job_id))).toThrow();
    expect(s.deps.unwrap(a!.secret_key, aad(a!.id, a!.job_id)).length).toBeGreaterThan(1000);
  });

  it('destroys a key set when its job ends: nothing under it decrypts again, even the released result', async () => {
    const { keysetId, result } = await job('job-ended', [[5, 6, 7]], { minGroupSize: 1 });
    await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/release`, { approvals: ['owner'] });
    expect((await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext: result })).json()).toMatchObject({ value: 18 });
    const sealed = (await s.database.db.selectFrom('kms_he_keysets').select('secret_key').where('id', '=', keysetId).executeTakeFirstOrThrow()).secret_key as Uint8Array;
    expect(sealed.length).toBeGreaterThan(1000);

    expect((await call(s.app, WORKER, 'POST', `/v1/he/keysets/${keysetId}/destroy`)).statusCode).toBe(403);
    for (let i = 0; i < 2; i++) {
      const destroyed = await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/destroy`);
      expect(destroyed.statusCode).toBe(200);
      expect(destroyed.json()).toEqual({ keysetId, destroyed: true });
    }
    const refused = await call(s.app, SERVICE, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext: result });
    expect(refused.statusCode).toBe(410);
    expect(refused.json()).toMatchObject({ error: { code: 'KEY_DESTROYED' } });
    const row = await s.database.db.selectFrom('kms_he_keysets').select(['secret_key', 'destroyed_at']).where('id', '=', keysetId).executeTakeFirstOrThrow();
    expect((row.secret_key as Uint8Array).length).toBe(0);
    expect(row.destroyed_at).not.toBeNull();
    expect((await call(s.app, SERVICE, 'POST', '/v1/he/keysets', { jobId: 'job-ended', scheme: 'bfv' })).json()).toMatchObject({ error: { code: 'CONFLICT' } });
    expect((await call(s.app, WORKER, 'POST', `/v1/he/keysets/${keysetId}/result`, { digest: 'e'.repeat(64) })).json()).toMatchObject({ error: { code: 'CONFLICT' } });
    expect((await call(s.app, SERVICE, 'POST', '/v1/he/keysets/hks_missing/destroy')).statusCode).toBe(404);
    expect(s.audit.filter((e) => e === 'service he.keyset.destroy')).toHaveLength(1);
  });

  it('checks the caller itself even where the host lets the worker through', async () => {
    const lax = await server(true);
    try {
      expect((await call(lax.app, WORKER, 'POST', '/v1/he/keysets', { jobId: 'x', scheme: 'bfv' })).statusCode).toBe(403);
    } finally {
      await lax.close();
    }
  });
});
