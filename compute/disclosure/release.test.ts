import { describe, expect, it } from 'vitest';
import { discreteLaplaceVariance } from '../dp.ts';
import { finishTotals, type ResultTotals } from '../he/totals.ts';
import { plannedNoise, type DpRelease } from './noise.ts';
import { releaseTotals } from './release.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => mean(xs.map((x) => x * x)) - mean(xs) ** 2;
const dp = (epsilon: number, bound: number, rowsPerPerson = 1): DpRelease => ({ epsilonMicros: epsilon * 1e6, bound, rowsPerPerson, weight: 1 });

describe('releaseTotals', () => {
  it('releases the exact figure when no contract asks for noise', () => {
    const totals: ResultTotals = { operation: 'mean', scheme: 'bfv', n: 4, decimals: 2, sum: 1001n };
    expect(releaseTotals(totals, { floor: 2 })).toEqual(finishTotals(totals));
    expect(releaseTotals(totals, { floor: 2 })).toEqual({ operation: 'mean', value: 2.5025, n: 4 });
  });

  it('noises a count with discrete Laplace of scale k/ε: integer releases, mean 0, the right variance', () => {
    const totals: ResultTotals = { operation: 'count', scheme: 'bfv', n: 5000, decimals: 0 };
    const releases = Array.from({ length: 4000 }, () => releaseTotals(totals, { floor: 10, dp: dp(0.5, 0, 2) }));
    expect(releases[0]!.noise).toEqual({ mechanism: 'discrete_laplace', epsilon: 0.5, scale: 4, figures: { n: 4 } });
    const noise = releases.map((r) => (r.value as number) - 5000);
    expect(noise.every(Number.isInteger)).toBe(true);
    expect(releases.every((r) => r.n === r.value)).toBe(true);
    const expected = discreteLaplaceVariance(4);
    expect(Math.abs(mean(noise))).toBeLessThan(5 * Math.sqrt(expected / noise.length));
    expect(Math.abs(variance(noise) / expected - 1)).toBeLessThan(5 * Math.sqrt(5 / noise.length));
  });

  it('noises an exact decimal sum in its 10^−d units, and n beside it, with ε split over the two', () => {
    // 12.5 at two decimals is 1250 units a row: scale 1250·2/0.5 = 5000 units = 50.00.
    const totals: ResultTotals = { operation: 'sum', scheme: 'bfv', n: 100, decimals: 2, sum: 123_456n };
    const releases = Array.from({ length: 3000 }, () => releaseTotals(totals, { floor: 10, dp: dp(0.5, 12.5) }));
    expect(releases[0]!.noise).toEqual({ mechanism: 'discrete_laplace', epsilon: 0.5, scale: 50, figures: { sum: 50, n: 4 } });
    const noise = releases.map((r) => (r.value as number) - 1234.56);
    // Releases stay on the 0.01 grid.
    expect(releases.every((r) => Math.abs(Math.round((r.value as number) * 100) - (r.value as number) * 100) < 1e-6)).toBe(true);
    const expected = discreteLaplaceVariance(5000) / 1e4;
    expect(Math.abs(mean(noise))).toBeLessThan(5 * Math.sqrt(expected / noise.length));
    expect(Math.abs(variance(noise) / expected - 1)).toBeLessThan(5 * Math.sqrt(5 / noise.length));
  });

  it('noises real (CKKS) figures on a grid of sensitivity/1024, one grid unit more sensitive for the rounding', () => {
    const totals: ResultTotals = { operation: 'mean', scheme: 'ckks', n: 200, decimals: 0, sum: 301.234567 };
    const release = releaseTotals(totals, { floor: 10, dp: dp(1, 3) });
    expect(release.noise!.figures.sum).toBeCloseTo((3 / 1024) * 1025 * 2, 9);
    expect(release.noise!.scale).toBe(release.noise!.figures.sum);
    const sums = Array.from({ length: 3000 }, () => {
      const r = releaseTotals({ ...totals, operation: 'sum' }, { floor: 10, dp: dp(1, 3) });
      return (r.value as number) - 301.234567;
    });
    const scale = (3 / 1024) * 1025 * 2;
    expect(Math.abs(mean(sums))).toBeLessThan(5 * Math.sqrt((2 * scale * scale) / sums.length));
    expect(Math.abs(variance(sums) / (2 * scale * scale) - 1)).toBeLessThan(5 * Math.sqrt(5 / sums.length));
  });

  it('noises every histogram bin and n, suppresses only what the gateway names (noise replaces row-based suppression)', () => {
    const totals: ResultTotals = { operation: 'histogram', scheme: 'bfv', n: 60, decimals: 0, counts: [40, 2, 18] };
    const exact = releaseTotals(totals, { floor: 10 });
    expect(exact.value).toEqual([40, null, null]);
    const noisy = releaseTotals(totals, { floor: 10, dp: dp(1, 0), suppress: [{ cell: 0, reason: 'primary' }] });
    expect(noisy.suppressed).toEqual([{ cell: 0, reason: 'primary' }]);
    const value = noisy.value as (number | null)[];
    expect(value[0]).toBeNull();
    expect(value.slice(1).every((c) => Number.isInteger(c) && c! >= 0)).toBe(true);
    expect(noisy.noise).toEqual({ mechanism: 'discrete_laplace', epsilon: 1, scale: 2, figures: { counts: 2, n: 2 } });
  });

  it('plans the same noise the release then reports', () => {
    for (const operation of ['count', 'histogram'] as const) {
      const totals: ResultTotals = { operation, scheme: 'bfv', n: 50, decimals: 0, ...(operation === 'histogram' ? { counts: [25, 25] } : {}) };
      expect(releaseTotals(totals, { floor: 10, dp: dp(0.25, 0, 3) }).noise).toEqual(plannedNoise(operation, dp(0.25, 0, 3)));
    }
    expect(plannedNoise('variance', dp(0.3, 10)).figures).toEqual({ sum: 100, squares: 1000, n: 10 });
  });
});
