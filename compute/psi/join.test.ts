import { x25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptResult, keygen, type HeKeyset } from '../../kms/index.ts';
import { encryptColumn } from '../he/encrypt.ts';
import { evaluate } from '../he/evaluate.ts';
import { pack, unpack } from '../he/wire.ts';
import { joinInput, joinMask, joinRespond, joinTags, PSI_PROTOCOL, psiRequest, X25519Pool, type PsiSession } from './index.ts';

const session = (minSetSize = 1, sessionId = 'job-join'): PsiSession => ({ protocol: PSI_PROTOCOL, sessionId, mode: 'sum', minSetSize });
const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** The intersection sum in plaintext: the partner's values per id, over the ids the server holds. */
function expected(rows: [string, number][], server: string[]) {
  const held = new Set(server);
  const byId = new Map<string, number>();
  for (const [id, v] of rows) byId.set(id, (byId.get(id) ?? 0) + v);
  const shared = [...byId].filter(([id]) => held.has(id));
  return { n: shared.length, sum: shared.reduce((s, [, v]) => s + v, 0) };
}

describe('private join-and-compute: intersection sum over ECDH-PSI', () => {
  let pool: X25519Pool;
  let bfv: HeKeyset;
  beforeAll(async () => {
    pool = new X25519Pool(2);
    bfv = await keygen('bfv', { plaintextMultiply: true });
  });
  afterAll(() => pool?.close());

  /** Both sides of the protocol, then the worker's masked sum and the KMS's decryption. */
  async function join(rows: [string, number][], server: string[], options: { keys?: HeKeyset; decimals?: number; s?: PsiSession } = {}) {
    const s = options.s ?? session();
    const keys = options.keys ?? bfv;
    const { ids: mine, values } = joinInput(rows);
    const { request, state } = await psiRequest(s, mine, pool);
    const { response, state: kept } = await joinRespond(s, server, request, pool);
    const mask = joinMask(s, kept, await joinTags(state, response, pool));
    const column = await encryptColumn(keys.publicKey, values, { operation: 'intersectionSum', ...(options.decimals ? { decimals: options.decimals } : {}) });
    const result = await evaluate({ operation: 'intersectionSum', mask }, [column], { publicKey: keys.publicKey });
    return { mask, released: await decryptResult(keys.secretKey, result, { minGroupSize: 0 }) };
  }

  it('sums the partner’s values over overlapping sets, across ciphertext boundaries', async () => {
    const rows = ids(10_000, 'p-').map((id, i): [string, number] => [id, ((i * 7919) % 200_001) - 100_000]);
    const server = [...ids(9000, 'p-').slice(2000), ...ids(3000, 'other-')];
    const { released } = await join(rows, server);
    const want = expected(rows, server);
    expect(want.n).toBe(7000);
    expect(released).toEqual({ operation: 'intersectionSum', value: want.sum, n: want.n });
  });

  it('disjoint sets sum to zero over no one', async () => {
    const { mask, released } = await join(ids(500, 'a').map((id) => [id, 5]), ids(700, 'b'));
    expect(mask.every((bit) => bit === 0)).toBe(true);
    expect(released).toEqual({ operation: 'intersectionSum', value: 0, n: 0 });
  });

  it('duplicate-laden sets: a person repeated on either side counts once, with all of the partner’s values for them', async () => {
    const rows: [string, number][] = [];
    for (let i = 0; i < 3000; i++) rows.push([`d${i % 1000}`, i], [`d${i % 1000}`, -1]);
    rows.push(['张三-110101', 42], ['张三-110101', 8], ['', 3]);
    const server = [...ids(600, 'd'), ...ids(600, 'd'), '张三-110101', '张三-110101', ''];
    const { released } = await join(rows, server);
    const want = expected(rows, server);
    expect(want.n).toBe(602);
    expect(released).toMatchObject({ value: want.sum, n: want.n });
  });

  it('decimals are summed exactly (BFV) and reals under CKKS', async () => {
    const rows = ids(3000, 'm').map((id, i): [string, number] => [id, Math.round(((i * 37) % 10_000) - 5000) / 100]);
    const server = ids(2000, 'm').filter((_, i) => i % 3 !== 0);
    const cents = expected(rows.map(([id, v]) => [id, Math.round(v * 100)]), server);
    const exact = await join(rows, server, { decimals: 2 });
    expect(exact.released.n).toBe(cents.n);
    expect(exact.released.value).toBeCloseTo(cents.sum / 100, 9);
    const reals = await join(rows.map(([id, v]) => [id, v / 3]), server, { keys: await keygen('ckks', { plaintextMultiply: true }) });
    const want = expected(rows.map(([id, v]) => [id, v / 3]), server);
    expect(reals.released.n).toBe(want.n);
    expect(Math.abs((reals.released.value as number) - want.sum) / Math.abs(want.sum)).toBeLessThan(1e-6);
  });

  it('the partner’s order is a fresh random permutation: the server learns positions, not ranks', () => {
    const rows = ids(2000, 'o').map((id, i): [string, number] => [id, i]);
    const first = joinInput(rows);
    const second = joinInput(rows);
    expect([...first.ids].sort()).toEqual([...ids(2000, 'o')].sort());
    expect(first.ids.map((id) => Number(id.slice(1)))).toEqual(first.values);
    expect(first.ids).not.toEqual(second.ids);
    expect(first.ids).not.toEqual(ids(2000, 'o'));
  });

  it('a partner cannot add matches: forged, repeated or replayed tags and repeated points count at most once', async () => {
    const s = session();
    const server = ids(300, 'x');
    const { request, state } = await psiRequest(s, [...ids(200, 'x'), ...ids(100, 'y')], pool);
    // A malicious partner sends each of its points twice: the second copy never matches.
    const points = unpack(request).blobs[0]!;
    const twice = pack({ ...unpack(request).header, count: 600 }, [Buffer.concat([points, points])]);
    const { response, state: kept } = await joinRespond(s, server, twice, pool);
    const honest = await joinTags(state, response, pool);
    const mask = joinMask(s, kept, honest);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(200);
    expect(mask.subarray(300).every((bit) => bit === 0)).toBe(true);

    const { header, blobs } = unpack(honest);
    const tags = blobs[0]!;
    const oneRepeated = Buffer.alloc(tags.length);
    for (let i = 0; i < 300; i++) oneRepeated.set(tags.subarray(0, 16), i * 16);
    expect(joinMask(s, kept, pack(header, [oneRepeated])).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
    const forged = Buffer.from(tags.map((_, i) => (i * 151 + 7) & 0xff));
    expect(joinMask(s, kept, pack(header, [forged])).every((bit) => bit === 0)).toBe(true);
    // Tags of another session, or not one per server element, are refused.
    expect(() => joinMask(session(1, 'other'), kept, honest)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => joinMask(s, kept, pack({ ...header, count: 299 }, [tags.subarray(16)]))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('refuses partner sets below the session’s minimum and non-join sessions', async () => {
    const { request } = await psiRequest(session(5), ids(4, 'q'), pool);
    await expect(joinRespond(session(5), ids(10, 'q'), request, pool)).rejects.toMatchObject({ code: 'GROUP_TOO_SMALL' });
    await expect(joinRespond({ ...session(), mode: 'cardinality' }, ids(10, 'q'), request, pool)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('the tags are X25519(b, X25519(a, H(x))), as an independent X25519 (noble) computes them', async () => {
    const s = session();
    const { request, state } = await psiRequest(s, ['alice'], pool);
    const scalar = new Uint8Array(state.scalar);
    const { response } = await joinRespond(s, ['alice'], request, pool);
    const serverPoint = unpack(response).blobs[0]!;
    const tag = unpack(await joinTags(state, response, pool)).blobs[0]!;
    const u = new Uint8Array(serverPoint);
    u[31]! &= 0x7f;
    expect(Buffer.from(tag).equals(Buffer.from(x25519.scalarMult(scalar, u)).subarray(0, 16))).toBe(true);
  });
});
