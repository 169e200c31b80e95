import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { combineShares, splitSecret } from './shamir.ts';

function subsets<T>(items: T[], size: number): T[][] {
  if (size === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]));
}

describe('Shamir secret sharing over GF(256)', () => {
  it('every threshold-sized subset (and larger) recovers the secret; smaller ones do not', () => {
    const secret = new Uint8Array(randomBytes(32));
    const shares = splitSecret(secret, 5, 3);
    expect(shares).toHaveLength(5);
    for (const s of shares) expect(s).toHaveLength(33);
    expect(new Set(shares.map((s) => s[0])).size).toBe(5);
    for (const size of [3, 4, 5]) {
      for (const subset of subsets(shares, size)) expect(combineShares(subset)).toEqual(secret);
    }
    for (const subset of subsets(shares, 2)) expect(combineShares(subset)).not.toEqual(secret);
  });

  it('works at the extremes (2-of-2, 255 shares, one-byte secrets) in any share order', () => {
    const one = Uint8Array.of(0xa5);
    const pair = splitSecret(one, 2, 2);
    expect(combineShares([pair[1]!, pair[0]!])).toEqual(one);
    const secret = new Uint8Array(randomBytes(16));
    const many = splitSecret(secret, 255, 10);
    expect(combineShares(many.slice(245))).toEqual(secret);
    expect(combineShares(many)).toEqual(secret);
  });

  it('threshold - 1 shares are consistent with every possible secret byte', () => {
    // For a 2-of-n split, one share's y is uniformly distributed whatever the secret is.
    const counts = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const y = splitSecret(Uint8Array.of(7), 3, 2)[0]![1]!;
      counts.set(y, (counts.get(y) ?? 0) + 1);
    }
    expect(counts.size).toBeGreaterThan(200);
  });

  it('rejects invalid parameters and share sets', () => {
    const shares = splitSecret(new Uint8Array(4).fill(1), 3, 2);
    expect(() => splitSecret(new Uint8Array(), 3, 2)).toThrow();
    expect(() => splitSecret(new Uint8Array(4), 3, 1)).toThrow();
    expect(() => splitSecret(new Uint8Array(4), 2, 3)).toThrow();
    expect(() => splitSecret(new Uint8Array(4), 256, 3)).toThrow();
    expect(() => combineShares([shares[0]!])).toThrow();
    expect(() => combineShares([shares[0]!, shares[0]!])).toThrow(/distinct/);
    expect(() => combineShares([shares[0]!, shares[1]!.subarray(0, 3)])).toThrow(/equal length/);
    expect(() => combineShares([Uint8Array.of(0, 1, 2, 3, 4), shares[1]!])).toThrow();
  });
});
