import type { HeScheme } from './params.ts';
import type { OperationKind } from './operations.ts';

export interface HeResult {
  operation: OperationKind;
  /** A number; for `histogram` the counts per bucket; `null` for mean/variance of no rows. */
  value: number | number[] | null;
  n: number;
}

/**
 * What a released figure is computed from: the folded totals of the decrypted slots, and the
 * row count. Exact integers under BFV (in units of 10^−decimals; squares in 10^−2·decimals),
 * reals under CKKS. The KMS adds differential-privacy noise to these, not to the figure.
 */
export interface ResultTotals {
  operation: OperationKind;
  scheme: HeScheme;
  n: number;
  decimals: number;
  /** Σx (sum, mean, variance, weightedSum, intersectionSum). */
  sum?: bigint | number;
  /** Σx² (variance). */
  squares?: bigint | number;
  /** Rows per bucket (histogram). */
  counts?: number[];
}

/** The released figure of some totals (exact, or with noise already added to them). */
export function finishTotals(totals: ResultTotals): HeResult {
  const { operation, n } = totals;
  return { operation, value: figure(totals), n };
}

function figure(totals: ResultTotals): HeResult['value'] {
  const { operation, n } = totals;
  if (operation === 'count') return n;
  if (operation === 'histogram') return totals.counts!;
  const summed = operation === 'sum' || operation === 'weightedSum' || operation === 'intersectionSum';
  if (!summed && n === 0) return null;
  if (totals.scheme === 'ckks') {
    const s = totals.sum as number;
    if (summed) return s;
    const mean = s / n;
    if (operation === 'mean') return mean;
    return Math.max(0, (totals.squares as number) / n - mean * mean);
  }
  const scale = 10n ** BigInt(totals.decimals);
  const s = totals.sum as bigint;
  if (summed) return ratio(s, scale);
  if (operation === 'mean') return ratio(s, BigInt(n) * scale);
  // Population variance, exact up to the final division: (n·Σx² − (Σx)²) / (n²·scale²); noisy totals may dip below 0.
  return Math.max(0, ratio(BigInt(n) * (totals.squares as bigint) - s * s, BigInt(n) * BigInt(n) * scale * scale));
}

/** num/den as the nearest double, exact whenever the quotient is representable. */
function ratio(num: bigint, den: bigint): number {
  const whole = num / den;
  const rest = num - whole * den;
  return Number(whole) + Number(rest) / Number(den);
}
