import { beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../../common/index.ts';
import { decodeResult, decryptResult, encryptColumn, encryptColumns, EncryptionPool, evaluate, keygen, verifyContribution, type ColumnSpec, type HeKeyset, type OperationKind } from './index.ts';
import { bucketIndex } from './encode.ts';
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

async function run(keys: HeKeyset, spec: ColumnSpec, columns: number[][], weights?: number[][], minGroupSize = 0) {
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

  it('weighted sum with plaintext per-row weights, negative weights included', async () => {
    const values = [column(9000, 6, -1e5, 1e5), column(50, 7, -10, 10)];
    const weights = [column(9000, 8, -100, 100), column(50, 9, 0, 3)];
    const expected = values.flatMap((c, i) => c.map((v, j) => BigInt(v) * BigInt(weights[i]![j]!))).reduce((a, b) => a + b, 0n);
    const weighted = await keygen('bfv', { plaintextMultiply: true });
    expect(weighted.params).not.toBe(keys.params);
    const out = await run(weighted, { operation: 'weightedSum' }, values, weights);
    expect(out.value).toBe(Number(expected));
    // The additive key set's noise budget cannot absorb a plaintext multiplication: refused up front.
    await expect(run(keys, { operation: 'weightedSum' }, values, weights)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
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
    const weights = reals.map((c) => c.map((_, i) => ((i % 13) - 6) / 4));
    const expected = reals.reduce((acc, c, i) => acc + c.reduce((a, v, j) => a + v * weights[i]![j]!, 0), 0);
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
