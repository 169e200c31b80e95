import { describe, expect, it } from 'vitest';
import { bernoulliExp, discreteLaplaceVariance, randomBelow, sampleDiscreteLaplace } from './dp.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const draws = (num: bigint, den: bigint, n: number) => Array.from({ length: n }, () => Number(sampleDiscreteLaplace({ num, den })));

describe('randomBelow', () => {
  it('is uniform on [0, n), including bounds that are not powers of two', () => {
    const n = 20_000;
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < n; i++) counts[Number(randomBelow(6n))]! += 1;
    // Binomial(n, 1/6): sd ≈ 53; five of them is far beyond chance.
    for (const c of counts) expect(Math.abs(c - n / 6)).toBeLessThan(5 * Math.sqrt((n * 5) / 36));
    expect(() => randomBelow(0n)).toThrow();
  });

  it('is uniform on bounds beyond 2^48 too (rejection sampling on CSPRNG bytes)', () => {
    const bound = 3n << 62n;
    const thirds = [0, 0, 0];
    for (let i = 0; i < 6000; i++) {
      const x = randomBelow(bound);
      expect(x >= 0n && x < bound).toBe(true);
      thirds[Number(x >> 62n)]! += 1;
    }
    for (const c of thirds) expect(Math.abs(c - 2000)).toBeLessThan(5 * Math.sqrt((6000 * 2) / 9));
  });
});

describe('bernoulliExp (Canonne–Kamath–Steinke Algorithm 1)', () => {
  it.each([
    [0n, 1n],
    [1n, 3n],
    [1n, 1n],
    [5n, 2n],
  ])('succeeds with probability exp(−%i/%i)', (num, den) => {
    const n = 20_000;
    let hits = 0;
    for (let i = 0; i < n; i++) if (bernoulliExp({ num, den })) hits++;
    const p = Math.exp(-Number(num) / Number(den));
    expect(Math.abs(hits / n - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n) + 1e-12);
  });
});

describe('sampleDiscreteLaplace (Canonne–Kamath–Steinke Algorithm 2)', () => {
  it('has the discrete Laplace probabilities P[x] = (1−q)/(1+q)·q^|x|, q = e^(−1/t)', () => {
    const n = 40_000;
    const samples = draws(1n, 1n, n);
    const q = Math.exp(-1);
    for (let x = -3; x <= 3; x++) {
      const p = ((1 - q) / (1 + q)) * q ** Math.abs(x);
      const seen = samples.filter((s) => s === x).length / n;
      expect(Math.abs(seen - p), `P[${x}]`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it.each([
    [1n, 2n],
    [7n, 2n],
    [40n, 1n],
    [1_000_000n, 3n],
  ])('scale %i/%i: mean 0 and variance 2q/(1−q)² within sampling error', (num, den) => {
    const n = 20_000;
    const scale = Number(num) / Number(den);
    const variance = discreteLaplaceVariance(scale);
    const samples = draws(num, den, n);
    expect(samples.every(Number.isInteger)).toBe(true);
    // Five standard errors of the mean; the variance estimate's relative error (kurtosis 6) is ≈ √(5/n).
    expect(Math.abs(mean(samples))).toBeLessThan(5 * Math.sqrt(variance / n));
    const seen = mean(samples.map((x) => x * x));
    expect(Math.abs(seen / variance - 1)).toBeLessThan(5 * Math.sqrt(5 / n));
  });

  it('is symmetric: as many positive as negative draws', () => {
    const samples = draws(5n, 1n, 20_000);
    const positive = samples.filter((x) => x > 0).length;
    const negative = samples.filter((x) => x < 0).length;
    expect(Math.abs(positive - negative)).toBeLessThan(5 * Math.sqrt(positive + negative));
  });

  it('refuses a scale that is not positive', () => {
    expect(() => sampleDiscreteLaplace({ num: 0n, den: 1n })).toThrow();
    expect(() => sampleDiscreteLaplace({ num: 1n, den: 0n })).toThrow();
  });
});
