import { beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../../common/index.ts';
import { decryptResult, keygen, type HeKeyset } from '../../kms/index.ts';
import { decodeResult } from './artifacts.ts';
import { encryptColumn } from './encrypt.ts';
import { evaluate } from './evaluate.ts';
import type { ColumnSpec, OperationKind } from './operations.ts';
import { EncryptionPool, encryptColumns } from './parallel.ts';
import { verifyContribution } from './verify.ts';
import { bucketIndex } from './partials.ts';
import { decodeColumn, encodeColumn } from './artifacts.ts';

/** A deterministic generator so failures reproduce. */
function column(n: number, seed: number, low: number, high: number, decimals = 0): number[] {
  let state = seed >>> 0;
  const factor = 10 ** decimals;
  return Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.round((low + (state / 2 ** 32) * (high - low)) * factor) / factor;
  });
}

async function run(keys: HeKeyset, spec: ColumnSpec, columns: number[][], weights?: number[], minGroupSize = 0) {
  const encrypted = await Promise.all(columns.map((c) => encryptColumn(keys.publicKey, c, spec)));
  const result = await evaluate({ operation: spec.operation, ...(weights ? { weights } : {}) }, encrypted, { publicKey: keys.publicKey });
  return decryptResult(keys.secretKey, result, { minGroupSize });
}

function exactMoments(values: number[], decimals = 0) {
  const scale = 10n ** BigInt(decimals);
  const ints = values.map((v) => BigInt(Math.round(v * 10 ** decimals)));
  const s = ints.reduce((a, b) => a + b, 0n);
  const q = ints.reduce((a, b) => a + b * b, 0n);
  const n = BigInt(values.length);
  return {
    sum: Number(s) / Number(scale),
    mean: Number(s) / Number(n * scale),
    variance: Number(n * q - s * s) / Number(n * n * scale * scale),
  };
}

describe('BFV engine', () => {
  let keys: HeKeyset;
  beforeAll(async () => {
    keys = await keygen('bfv');
  });

  const owners = [column(9000, 1, -1e6, 1e6), column(100, 2, -5, 5), [0, 0, 0, -2147483647, 2147483647]];
  const all = owners.flat();

  it.each(['sum', 'mean', 'variance'] as OperationKind[])('%s of negative, zero and extreme integers is exact', async (operation) => {
    const out = await run(keys, { operation }, owners);
    expect(out.n).toBe(all.length);
    const expected = exactMoments(all)[operation as 'sum'];
    // Exact integer arithmetic up to one final division: equal within double rounding.
    expect(Math.abs((out.value as number) - expected)).toBeLessThanOrEqual(Math.abs(expected) * 2 ** -51);
  });

  it('count is the number of rows over all inputs', async () => {
    expect(await run(keys, { operation: 'count' }, owners)).toEqual({ operation: 'count', value: all.length, n: all.length });
  });

  it('decimals are computed exactly at the stated precision', async () => {
    const values = [column(5000, 3, -1000, 1000, 2), column(20, 4, 0, 1, 2)];
    for (const operation of ['sum', 'mean', 'variance'] as const) {
      const out = await run(keys, { operation, decimals: 2 }, values);
      expect(out.value).toBeCloseTo(exactMoments(values.flat(), 2)[operation], 9);
    }
  });

  it('histogram counts half-open buckets and ignores values outside them', async () => {
    const buckets = [-100, 0, 10, 50, 1000];
    const values = [column(12000, 5, -200, 1200), [0, 10, 49.999, -100, 1000, -100.5]];
    const expected = buckets.slice(1).map(() => 0);
    for (const v of values.flat()) {
      const i = bucketIndex(buckets, v);
      if (i >= 0) expected[i]!++;
    }
    const out = await run(keys, { operation: 'histogram', buckets }, values);
    expect(out.value).toEqual(expected);
    expect((out.value as number[]).reduce((a, b) => a + b, 0)).toBeLessThan(out.n);
  });

  it('histogram with 256 buckets still evaluates to one result ciphertext', async () => {
    const buckets = Array.from({ length: 257 }, (_, i) => i * 4);
    const values = [column(3000, 13, 0, 1100), column(77, 14, -10, 1030)];
    const expected = buckets.slice(1).map(() => 0);
    for (const v of values.flat()) {
      const i = bucketIndex(buckets, v);
      if (i >= 0) expected[i]!++;
    }
    const encrypted = await Promise.all(values.map((c) => encryptColumn(keys.publicKey, c, { operation: 'histogram', buckets })));
    const result = await evaluate({ operation: 'histogram' }, encrypted, { publicKey: keys.publicKey });
    expect(decodeResult(result).ciphertexts).toHaveLength(1);
    expect((await decryptResult(keys.secretKey, result, { minGroupSize: 0 })).value).toEqual(expected);
  });

  it('weighted sum with one plaintext weight per input, applied to each of its rows, negative weights included', async () => {
    const values = [column(9000, 6, -1e5, 1e5), column(50, 7, -10, 10)];
    const weights = [-97, 3];
    const expected = values.flatMap((c, i) => c.map((v) => BigInt(v) * BigInt(weights[i]!))).reduce((a, b) => a + b, 0n);
    const weighted = await keygen('bfv', { plaintextMultiply: true });
    expect(weighted.params).not.toBe(keys.params);
    const out = await run(weighted, { operation: 'weightedSum' }, values, weights);
    expect(out.value).toBe(Number(expected));
    // The additive key set's noise budget cannot absorb a plaintext multiplication: refused up front.
    await expect(run(keys, { operation: 'weightedSum' }, values, weights)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // One weight per input: a vector per row, or a weight short, is refused.
    await expect(run(weighted, { operation: 'weightedSum' }, values, [-97])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(run(weighted, { operation: 'weightedSum' }, values, [[-97], [3]] as unknown as number[])).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { input: 0 } });
  });

  it('weighted sum: slots past an input\'s last row count for nothing, whatever the contributor put there', async () => {
    const weighted = await keygen('bfv', { plaintextMultiply: true });
    // A contributor encrypts 10 rows and claims 4: the 6 hidden ones sit in slots the weights zero.
    const honest = decodeColumn(await encryptColumn(weighted.publicKey, [1, 2, 3, 4, 1000, 1000, 1000, 1000, 1000, 1000], { operation: 'weightedSum' }));
    const claimed = encodeColumn({ ...honest, n: 4 });
    const result = await evaluate({ operation: 'weightedSum', weights: [5] }, [claimed], { publicKey: weighted.publicKey });
    expect(await decryptResult(weighted.secretKey, result, { minGroupSize: 0 })).toMatchObject({ value: 50, n: 4 });
  });

  it('large n: 2^20 + 3 rows across a chunk boundary', async () => {
    const big = column(2 ** 20 + 3, 10, -1000, 1000);
    const out = await run(keys, { operation: 'sum' }, [big]);
    expect(out.value).toBe(exactMoments(big).sum);
  });

  it('empty inputs: sums are zero, means have no value, small groups are refused', async () => {
    expect((await run(keys, { operation: 'sum' }, [[], []])).value).toBe(0);
    expect((await run(keys, { operation: 'mean' }, [[]])).value).toBeNull();
    expect(await run(keys, { operation: 'histogram', buckets: [0, 1, 2] }, [[]])).toEqual({ operation: 'histogram', value: [0, 0], n: 0 });
    await expect(run(keys, { operation: 'sum' }, [[1, 2, 3]], undefined, 10)).rejects.toMatchObject({ code: 'GROUP_TOO_SMALL' });
  });

  it('refuses out-of-range values without echoing them', async () => {
    const error = await encryptColumn(keys.publicKey, [1, 2 ** 31], { operation: 'sum' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { index: 1 } });
    expect((error as Error).message).not.toContain(String(2 ** 31));
    await expect(encryptColumn(keys.publicKey, [Number.NaN], { operation: 'histogram', buckets: [0, 1] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('verifies a contributed column against the job key and operation', async () => {
    const other = await keygen('bfv');
    const column = await encryptColumn(keys.publicKey, [1, 2, 3], { operation: 'mean', decimals: 2 });
    expect(verifyContribution(column, keys.publicKey, { operation: 'mean', decimals: 2 })).toEqual({ n: 3 });
    expect(() => verifyContribution(column, other.publicKey, { operation: 'mean', decimals: 2 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => verifyContribution(column, keys.publicKey, { operation: 'mean' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => verifyContribution(Buffer.from('garbage'), keys.publicKey, { operation: 'mean' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('refuses to mix key sets or operations, and to decrypt with another key', async () => {
    const other = await keygen('bfv');
    const a = await encryptColumn(keys.publicKey, [1, 2], { operation: 'sum' });
    const b = await encryptColumn(other.publicKey, [1, 2], { operation: 'sum' });
    const c = await encryptColumn(keys.publicKey, [1, 2], { operation: 'mean' });
    await expect(evaluate({ operation: 'sum' }, [a, b], { publicKey: keys.publicKey })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(evaluate({ operation: 'sum' }, [a, c], { publicKey: keys.publicKey })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const result = await evaluate({ operation: 'sum' }, [a], { publicKey: keys.publicKey });
    await expect(decryptResult(other.secretKey, result)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    const column = decodeColumn(a);
    const corrupted = Buffer.from(column.ciphertexts[0]![0]!);
    corrupted.fill(0xff, 200, 4000);
    const forged = encodeColumn({ ...column, ciphertexts: [[corrupted]] });
    await expect(evaluate({ operation: 'sum' }, [forged], { publicKey: keys.publicKey })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { input: 0 } });
  });
});

describe('CKKS engine', () => {
  let keys: HeKeyset;
  beforeAll(async () => {
    keys = await keygen('ckks');
  });
  const reals = [column(6000, 11, -1000, 1000).map((v, i) => v + i / 7), column(300, 12, 0, 1).map((v) => v / 3)];
  const flat = reals.flat();
  const mean = flat.reduce((a, b) => a + b, 0) / flat.length;

  it('sum, mean and variance of reals within the documented precision', async () => {
    const sum = flat.reduce((a, b) => a + b, 0);
    const variance = flat.reduce((a, b) => a + (b - mean) ** 2, 0) / flat.length;
    const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
    expect(relative((await run(keys, { operation: 'sum' }, reals)).value as number, sum)).toBeLessThan(1e-6);
    expect(relative((await run(keys, { operation: 'mean' }, reals)).value as number, mean)).toBeLessThan(1e-6);
    expect(relative((await run(keys, { operation: 'variance' }, reals)).value as number, variance)).toBeLessThan(1e-6);
  });

  it('weighted sum with real weights', async () => {
    const weights = reals.map((_, i) => ((i % 13) - 6) / 4 - 0.3);
    const expected = reals.reduce((acc, c, i) => acc + c.reduce((a, v) => a + v * weights[i]!, 0), 0);
    const out = await run(keys, { operation: 'weightedSum' }, reals, weights);
    expect(Math.abs((out.value as number) - expected) / Math.abs(expected)).toBeLessThan(1e-6);
  });

  it('histograms need exact counts and are refused under CKKS', async () => {
    await expect(encryptColumn(keys.publicKey, [1], { operation: 'histogram', buckets: [0, 2] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('parallel encryption', () => {
  it('encrypts owners\' columns in ciphertext-aligned parts on worker threads, like encryptColumn', async () => {
    const keys = await keygen('bfv');
    const owners = [column(50000, 21, -5000, 5000), column(10, 22, -1, 1), []];
    const encrypted = await encryptColumns(keys.publicKey, owners, { operation: 'variance' }, 2);
    expect(encrypted.map((c) => decodeColumn(c).n)).toEqual([50000, 10, 0]);
    expect(decodeColumn(encrypted[0]!).ciphertexts.map((c) => c.length)).toEqual([7, 7, 7]);
    const result = await evaluate({ operation: 'variance' }, encrypted, { publicKey: keys.publicKey });
    const variance = (await decryptResult(keys.secretKey, result)).value as number;
    expect(Math.abs(variance - exactMoments(owners.flat()).variance)).toBeLessThan(1e-6);
    const buckets = [-5000, 0, 5000];
    const histogram = await encryptColumns(keys.publicKey, owners, { operation: 'histogram', buckets }, 2);
    const counts = await decryptResult(keys.secretKey, await evaluate({ operation: 'histogram' }, histogram, { publicKey: keys.publicKey }));
    expect(counts.value).toEqual([owners.flat().filter((v) => v >= -5000 && v < 0).length, owners.flat().filter((v) => v >= 0 && v < 5000).length]);
    const tooBig = [...column(9000, 23, 0, 1), 2 ** 40];
    await expect(encryptColumns(keys.publicKey, [tooBig], { operation: 'sum' }, 2)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { index: 9000 } });
  });

  it('a long-lived pool serves concurrent jobs under different keys', async () => {
    const pool = new EncryptionPool(2);
    try {
      const [a, b] = [await keygen('bfv'), await keygen('ckks')];
      const ints = [column(20000, 31, -100, 100), column(3, 32, 0, 9)];
      const reals = [column(9000, 33, -1, 1).map((v) => v / 7)];
      const [ea, eb] = await Promise.all([pool.encryptColumns(a.publicKey, ints, { operation: 'sum' }), pool.encryptColumns(b.publicKey, reals, { operation: 'mean' })]);
      const sum = await decryptResult(a.secretKey, await evaluate({ operation: 'sum' }, ea, { publicKey: a.publicKey }));
      expect(sum.value).toBe(exactMoments(ints.flat()).sum);
      const mean = await decryptResult(b.secretKey, await evaluate({ operation: 'mean' }, eb, { publicKey: b.publicKey }));
      expect(Math.abs((mean.value as number) - reals[0]!.reduce((x, y) => x + y, 0) / 9000)).toBeLessThan(1e-6);
    } finally {
      await pool.close();
    }
  });
});

describe('push-down: each contributor’s partial aggregates, one ciphertext per column', () => {
  let keys: HeKeyset;
  let weighted: HeKeyset;
  let reals: HeKeyset;
  let realsWeighted: HeKeyset;
  beforeAll(async () => {
    [keys, weighted, reals, realsWeighted] = await Promise.all([keygen('bfv'), keygen('bfv', { plaintextMultiply: true }), keygen('ckks'), keygen('ckks', { plaintextMultiply: true })]);
  });
  const owners = [column(9000, 41, -1e6, 1e6), column(100, 42, -5, 5), [0, 0, 0, -2147483647, 2147483647], []];
  const all = owners.flat();

  it.each(['sum', 'count', 'mean', 'variance'] as OperationKind[])('%s: push-down and row-level agree exactly, and with the plaintext', async (operation) => {
    const pushed = await run(keys, { operation, pushdown: true }, owners);
    const rows = await run(keys, { operation }, owners);
    expect(pushed).toEqual(rows);
    expect(pushed.n).toBe(all.length);
    const want = operation === 'count' ? all.length : exactMoments(all)[operation as 'sum'];
    expect(Math.abs((pushed.value as number) - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -51);
  });

  it('histogram: the same counts as the row layout, from 4 slots per bucket instead of one per row and bucket', async () => {
    const buckets = [-1e6, -1000, 0, 10, 1e5, 1e6];
    const spec: ColumnSpec = { operation: 'histogram', buckets, pushdown: true };
    const pushed = await run(keys, spec, owners);
    expect(pushed).toEqual(await run(keys, { operation: 'histogram', buckets }, owners));
    expect(pushed.value).toEqual(buckets.slice(1).map((high, i) => all.filter((v) => v >= buckets[i]! && v < high).length));
  });

  it('weighted sum: each input weighted once, as the row layout weights every row', async () => {
    const w = [3, -7, 2147483647, 5];
    const want = owners.reduce((acc, c, i) => acc + c.reduce((a, v) => a + BigInt(v), 0n) * BigInt(w[i]!), 0n);
    const pushed = await run(weighted, { operation: 'weightedSum', pushdown: true }, owners, w);
    expect(pushed).toMatchObject({ value: Number(want), n: all.length });
    // Rows of |v| < 2^31 times a 31-bit weight could wrap the row layout's slots: refused there.
    await expect(run(weighted, { operation: 'weightedSum' }, owners, w)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const small = [3, -7, 65535, 5];
    const rows = await run(weighted, { operation: 'weightedSum' }, owners, small);
    expect(rows.value).toBe((await run(weighted, { operation: 'weightedSum', pushdown: true }, owners, small)).value);
    // One weight per push-down input; the additive key set cannot multiply.
    await expect(run(weighted, { operation: 'weightedSum', pushdown: true }, owners, [...w, 1])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(run(keys, { operation: 'weightedSum', pushdown: true }, owners, w)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('decimals are reduced exactly at the stated precision', async () => {
    const values = [column(5000, 43, -1000, 1000, 2), column(20, 44, 0, 1, 2)];
    for (const operation of ['sum', 'mean', 'variance'] as const) {
      const pushed = await run(keys, { operation, decimals: 2, pushdown: true }, values);
      expect(pushed).toEqual(await run(keys, { operation, decimals: 2 }, values));
    }
  });

  it('sums and sums of squares stay exact for values up to 2^53 − 1, which the row layout refuses', async () => {
    const big = [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 52 + 1, -(2 ** 40) - 3, 7, ...column(2000, 45, -1e15, 1e15)];
    const ints = big.map(BigInt);
    const s = ints.reduce((a, b) => a + b, 0n);
    const q = ints.reduce((a, b) => a + b * b, 0n);
    const n = BigInt(big.length);
    const sum = await run(keys, { operation: 'sum', pushdown: true }, [big]);
    expect(BigInt(sum.value as number)).toBe(BigInt(Number(s)));
    const variance = await run(keys, { operation: 'variance', pushdown: true }, [big, big]);
    // Exact to the final division: compare with the BigInt figure over the doubled input.
    const exact = (4n * n * q - 4n * s * s) / (4n * n * n);
    expect(Math.abs((variance.value as number) - Number(exact)) / Number(exact)).toBeLessThan(2 ** -50);
    await expect(encryptColumn(keys.publicKey, big, { operation: 'sum' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { index: 0 } });
    const error = await encryptColumn(keys.publicKey, [1, 2 ** 53], { operation: 'variance', pushdown: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { index: 1 } });
    expect((error as Error).message).not.toContain(String(2 ** 53));
  });

  it('squares of 31-bit values summed over more than 2^20 rows (the reducer’s double-precision blocks) stay exact', async () => {
    const values = Array.from({ length: 2 ** 20 + 7 }, (_, i) => (i % 2 ? 1 : -1) * (2147483647 - (i % 1000)));
    const ints = values.map(BigInt);
    const s = ints.reduce((a, b) => a + b, 0n);
    const q = ints.reduce((a, b) => a + b * b, 0n);
    const n = BigInt(values.length);
    const out = await run(keys, { operation: 'variance', pushdown: true }, [values]);
    expect(out.value).toBe(Number(n * q - s * s) / Number(n * n));
  });

  it('a push-down column is one ciphertext whatever its rows; the pool encrypts it whole', async () => {
    const large = await encryptColumn(keys.publicKey, column(50_000, 46, -10, 10), { operation: 'variance', pushdown: true });
    const small = await encryptColumn(keys.publicKey, [1, 2, 3], { operation: 'variance', pushdown: true });
    expect(decodeColumn(large).ciphertexts).toEqual([[expect.any(Uint8Array)]]);
    expect(Math.abs(large.length - small.length)).toBeLessThan(64);
    const [pooled] = await encryptColumns(keys.publicKey, [column(50_000, 46, -10, 10)], { operation: 'variance', pushdown: true }, 2);
    expect(decodeColumn(pooled!).ciphertexts).toHaveLength(1);
    const result = await evaluate({ operation: 'variance' }, [pooled!, large], { publicKey: keys.publicKey });
    const doubled = [...column(50_000, 46, -10, 10), ...column(50_000, 46, -10, 10)];
    expect((await decryptResult(keys.secretKey, result)).value).toBeCloseTo(exactMoments(doubled).variance, 9);
  });

  it('CKKS: sums, means, variances and weighted sums of reals from compensated partials', async () => {
    const values = [column(6000, 47, -1000, 1000).map((v, i) => v + i / 7), column(300, 48, 0, 1).map((v) => v / 3)];
    const flat = values.flat();
    const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
    const relative = (a: unknown, b: number) => Math.abs((a as number) - b) / Math.max(1, Math.abs(b));
    expect(relative((await run(reals, { operation: 'sum', pushdown: true }, values)).value, mean * flat.length)).toBeLessThan(1e-9);
    expect(relative((await run(reals, { operation: 'mean', pushdown: true }, values)).value, mean)).toBeLessThan(1e-9);
    const variance = flat.reduce((a, b) => a + (b - mean) ** 2, 0) / flat.length;
    expect(relative((await run(reals, { operation: 'variance', pushdown: true }, values)).value, variance)).toBeLessThan(1e-9);
    const w = [0.25, -4];
    const want = values.reduce((acc, c, i) => acc + c.reduce((a, v) => a + v, 0) * w[i]!, 0);
    expect(relative((await run(realsWeighted, { operation: 'weightedSum', pushdown: true }, values, w)).value, want)).toBeLessThan(1e-9);
  });

  it('refuses, before any work, jobs whose sums could wrap or overflow — never a wrong figure', async () => {
    // BFV: 2^11 inputs × 16-bit limbs × a 2^30 weight reach 2^57.
    const one = await encryptColumn(weighted.publicKey, [1, 2, 3], { operation: 'weightedSum', pushdown: true });
    const many = (k: number) => new Array<Uint8Array>(k).fill(one);
    await expect(evaluate({ operation: 'weightedSum', weights: many(2048).map(() => 2 ** 30) }, many(2048), { publicKey: weighted.publicKey })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const fits = await evaluate({ operation: 'weightedSum', weights: many(1024).map(() => 2 ** 30) }, many(1024), { publicKey: weighted.publicKey });
    expect((await decryptResult(weighted.secretKey, fits)).value).toBe(1024 * 6 * 2 ** 30);
    // CKKS: the weighted partials must fit the modulus with the squared scale; each column states its magnitude.
    const large = await encryptColumn(realsWeighted.publicKey, column(4096, 49, 1e5, 1e6), { operation: 'weightedSum', pushdown: true });
    await expect(evaluate({ operation: 'weightedSum', weights: [2 ** 30] }, [large], { publicKey: realsWeighted.publicKey })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await decryptResult(realsWeighted.secretKey, await evaluate({ operation: 'weightedSum', weights: [2] }, [large], { publicKey: realsWeighted.publicKey }))).n).toBe(4096);
    const { bits: _, ...silent } = decodeColumn(large);
    await expect(evaluate({ operation: 'weightedSum', weights: [2] }, [encodeColumn(silent)], { publicKey: realsWeighted.publicKey })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { input: 0 } });
  });

  it('refuses mixed layouts and contributions of the wrong layout', async () => {
    const pushed = await encryptColumn(keys.publicKey, [1, 2], { operation: 'sum', pushdown: true });
    const rows = await encryptColumn(keys.publicKey, [1, 2], { operation: 'sum' });
    await expect(evaluate({ operation: 'sum' }, [pushed, rows], { publicKey: keys.publicKey })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(verifyContribution(pushed, keys.publicKey, { operation: 'sum', pushdown: true })).toEqual({ n: 2 });
    expect(() => verifyContribution(rows, keys.publicKey, { operation: 'sum', pushdown: true })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => verifyContribution(pushed, keys.publicKey, { operation: 'sum' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    const decoded = decodeColumn(pushed);
    const twice = encodeColumn({ ...decoded, ciphertexts: [[decoded.ciphertexts[0]![0]!, decoded.ciphertexts[0]![0]!]] });
    expect(() => verifyContribution(twice, keys.publicKey, { operation: 'sum', pushdown: true })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    await expect(encryptColumn(keys.publicKey, [1], { operation: 'intersectionSum', pushdown: true })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('intersectionSum: the worker sums the rows a mask selects', () => {
  it('counts the selected rows as n and refuses malformed masks', async () => {
    const keys = await keygen('bfv', { plaintextMultiply: true });
    const values = column(9000, 51, -1000, 1000);
    const mask = Uint8Array.from(values, (_, i) => (i % 3 === 0 ? 1 : 0));
    const col = await encryptColumn(keys.publicKey, values, { operation: 'intersectionSum' });
    const out = await decryptResult(keys.secretKey, await evaluate({ operation: 'intersectionSum', mask }, [col], { publicKey: keys.publicKey }), { minGroupSize: 3000 });
    expect(out).toEqual({ operation: 'intersectionSum', value: values.filter((_, i) => i % 3 === 0).reduce((a, b) => a + b, 0), n: 3000 });
    await expect(decryptResult(keys.secretKey, await evaluate({ operation: 'intersectionSum', mask }, [col], { publicKey: keys.publicKey }), { minGroupSize: 3001 })).rejects.toMatchObject({
      code: 'GROUP_TOO_SMALL',
    });
    const refused = (request: Parameters<typeof evaluate>[0], columns = [col], publicKey = keys.publicKey) => expect(evaluate(request, columns, { publicKey })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await refused({ operation: 'intersectionSum' });
    await refused({ operation: 'intersectionSum', mask: mask.subarray(1) });
    await refused({ operation: 'intersectionSum', mask: Uint8Array.from(mask, (b) => b * 2) });
    await refused({ operation: 'intersectionSum', mask }, [col, col]);
    await refused({ operation: 'intersectionSum', mask, weights: [1] });
    await refused({ operation: 'sum', mask });
    const additive = await keygen('bfv');
    await refused({ operation: 'intersectionSum', mask }, [await encryptColumn(additive.publicKey, values, { operation: 'intersectionSum' })], additive.publicKey);
  });
});
