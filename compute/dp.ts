import { randomBytes, randomInt } from 'node:crypto';
import { SluiceError } from '../common/errors.ts';

/** A positive rational num/den; the samplers below compute on these exactly, never in floating point. */
export interface Rational {
  num: bigint;
  den: bigint;
}

/** Below this bound node:crypto's `randomInt` (unbiased, from a pooled CSPRNG buffer) does the work. */
const RANDOM_INT_LIMIT = 2n ** 48n;

/** A uniform integer in [0, n) from the CSPRNG, without modulo bias. */
export function randomBelow(n: bigint): bigint {
  if (n <= 0n) throw new SluiceError('INTERNAL', 'randomBelow needs a positive bound');
  if (n === 1n) return 0n;
  if (n < RANDOM_INT_LIMIT) return BigInt(randomInt(Number(n)));
  // Larger bounds: rejection sampling on CSPRNG bytes masked to n's bit length.
  const bits = n.toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const candidate = BigInt(`0x${randomBytes(bytes).toString('hex')}`) & mask;
    if (candidate < n) return candidate;
  }
}

function bernoulli(p: Rational): boolean {
  return randomBelow(p.den) < p.num;
}

/**
 * Bernoulli(exp(−γ)) for a rational γ ≥ 0, exactly (Canonne, Kamath, Steinke, "The Discrete
 * Gaussian for Differential Privacy", 2020, Algorithm 1): for γ ≤ 1, count the run of
 * Bernoulli(γ/k) successes; the run's parity is the outcome. Larger γ splits into ⌊γ⌋ draws of
 * exp(−1) and one of the fractional part.
 */
export function bernoulliExp(gamma: Rational): boolean {
  const { num, den } = gamma;
  if (num < 0n || den <= 0n) throw new SluiceError('INTERNAL', 'bernoulliExp needs γ ≥ 0');
  if (num <= den) {
    let k = 1n;
    while (bernoulli({ num, den: den * k })) k += 1n;
    return k % 2n === 1n;
  }
  for (let i = 0n; i < num / den; i++) if (!bernoulliExp({ num: 1n, den: 1n })) return false;
  return bernoulliExp({ num: num % den, den });
}

/**
 * One draw of the discrete Laplace distribution with scale t = num/den, P[x] ∝ exp(−|x|/t) on
 * the integers (Canonne–Kamath–Steinke 2020, Algorithm 2). Only integer arithmetic and
 * CSPRNG bits: no floating-point Laplace (Mironov's attack), no Math.random. X = U + num·V is
 * a discrete exponential of scale `num`, so ⌊X/den⌋ is one of scale num/den; a random sign,
 * rejecting "−0", makes it two-sided.
 */
export function sampleDiscreteLaplace(scale: Rational): bigint {
  const { num, den } = scale;
  if (num <= 0n || den <= 0n) throw new SluiceError('INTERNAL', 'the discrete Laplace scale must be positive');
  for (;;) {
    const u = randomBelow(num);
    if (!bernoulliExp({ num: u, den: num })) continue;
    let v = 0n;
    while (bernoulliExp({ num: 1n, den: 1n })) v += 1n;
    const y = (u + num * v) / den;
    const negative = bernoulli({ num: 1n, den: 2n });
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/** Variance of the discrete Laplace law of scale t: 2q/(1−q)² with q = exp(−1/t). */
export function discreteLaplaceVariance(scale: number): number {
  const q = Math.exp(-1 / scale);
  return (2 * q) / (1 - q) ** 2;
}
