import { describe, expect, it } from 'vitest';
import { addDpNoise } from './dp.ts';

describe('addDpNoise', () => {
  const draws = (value: number, sensitivity: number, epsilon: number, n = 20_000) => Array.from({ length: n }, () => addDpNoise(value, sensitivity, epsilon) - value);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('integer figures stay integers, with discrete Laplace noise of the right spread', () => {
    const noise = draws(1000, 1, 0.5);
    expect(noise.every(Number.isInteger)).toBe(true);
    // Two-sided geometric with q = e^(-ε/Δ): variance 2q/(1-q)^2.
    const q = Math.exp(-0.5);
    const variance = mean(noise.map((x) => x * x));
    expect(Math.abs(mean(noise))).toBeLessThan(0.1);
    expect(variance).toBeGreaterThan(0.9 * ((2 * q) / (1 - q) ** 2));
    expect(variance).toBeLessThan(1.1 * ((2 * q) / (1 - q) ** 2));
  });

  it('real figures get Laplace(Δ/ε) noise: mean absolute deviation Δ/ε', () => {
    const noise = draws(12.5, 2.5, 0.25);
    expect(Math.abs(mean(noise))).toBeLessThan(0.3);
    const mad = mean(noise.map(Math.abs));
    expect(mad).toBeGreaterThan(9.5);
    expect(mad).toBeLessThan(10.5);
  });

  it('refuses non-positive epsilon or sensitivity', () => {
    for (const [s, e] of [[1, 0], [0, 1], [1, Number.NaN], [-1, 1]] as const) {
      expect(() => addDpNoise(1, s, e)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});
