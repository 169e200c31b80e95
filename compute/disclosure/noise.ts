import { SluiceError } from '../../common/errors.ts';
import { sampleDiscreteLaplace } from '../dp.ts';
import type { OperationKind } from '../he/operations.ts';
import type { ResultTotals } from '../he/totals.ts';

/**
 * Differential privacy a release must carry, fixed when the job's key set is made: what the
 * data owners' contracts signed (ε per release) and what bounds one person's influence (the
 * clamping bound per row and the rows per person the gateway kept, the largest weight).
 */
export interface DpRelease {
  /** ε of the whole release, in millionths (so budgets add up exactly). */
  epsilonMicros: number;
  /** Largest |value| of a row after clamping. */
  bound: number;
  /** Rows one person contributes at most. */
  rowsPerPerson: number;
  /** Largest weight (weightedSum), else 1. */
  weight: number;
}

export type NoisedFigure = 'n' | 'sum' | 'squares' | 'counts';

export interface NoiseReport {
  mechanism: 'discrete_laplace';
  /** ε of the whole release, split evenly over the figures noised. */
  epsilon: number;
  /** Scale (mean absolute deviation) of the noise on the figure `value` is computed from: the count, the sum, or each bin. */
  scale: number;
  /** The scale of every figure noised, in its own units. */
  figures: Partial<Record<NoisedFigure, number>>;
}

/** Real figures (CKKS) are released on a grid of sensitivity/1024, where the integer mechanism works. */
const REAL_GRID = 1024;

/**
 * The figures a release of `operation` is computed from, each with its L1 sensitivity to adding
 * or removing one person: the row count n and the sum move by at most k rows (of at most bound ×
 * weight each), the squares by k·bound², a histogram's bins by k in total.
 */
export function dpFigures(operation: OperationKind, dp: DpRelease): { figure: NoisedFigure; sensitivity: number }[] {
  const k = dp.rowsPerPerson;
  const n = { figure: 'n' as const, sensitivity: k };
  const sum = { figure: 'sum' as const, sensitivity: k * dp.bound * dp.weight };
  switch (operation) {
    case 'count':
      return [n];
    case 'histogram':
      return [{ figure: 'counts', sensitivity: k }, n];
    case 'variance':
      return [sum, { figure: 'squares', sensitivity: k * dp.bound * dp.bound }, n];
    default:
      return [sum, n];
  }
}

function primary(operation: OperationKind): NoisedFigure {
  return operation === 'count' ? 'n' : operation === 'histogram' ? 'counts' : 'sum';
}

/** The noise a release will carry, as the owners see it before approving (nominal: before rounding to the figure's units). */
export function plannedNoise(operation: OperationKind, dp: DpRelease): NoiseReport {
  const figures = dpFigures(operation, dp);
  const epsilon = dp.epsilonMicros / 1e6;
  const scales = Object.fromEntries(figures.map((f) => [f.figure, (f.sensitivity * figures.length) / epsilon]));
  return { mechanism: 'discrete_laplace', epsilon, scale: scales[primary(operation)]!, figures: scales };
}

/**
 * Adds discrete Laplace noise to each figure of `totals` with ε/F each (F figures; basic
 * composition), in the figure's own integer units: rows for counts, 10^−decimals for BFV sums,
 * a grid of sensitivity/1024 for CKKS reals (rounding to it adds one unit of sensitivity).
 * Counts are then clamped at 0, which is post-processing and costs no privacy.
 */
export function addNoise(totals: ResultTotals, dp: DpRelease): { totals: ResultTotals; noise: NoiseReport } {
  if (!(dp.epsilonMicros > 0 && dp.rowsPerPerson >= 1 && dp.bound >= 0 && dp.weight >= 0)) throw new SluiceError('INTERNAL', 'invalid differential-privacy terms');
  const figures = dpFigures(totals.operation, dp);
  const share = BigInt(figures.length) * 1_000_000n;
  const epsilon = BigInt(dp.epsilonMicros);
  const scales: NoiseReport['figures'] = {};
  const noisy = (units: bigint, sensitivityUnits: bigint, unit: number, figure: NoisedFigure): bigint => {
    // Zero sensitivity (every value clamped to 0): the figure tells nothing about anyone.
    if (sensitivityUnits === 0n) return units;
    scales[figure] = (Number(sensitivityUnits * share) / dp.epsilonMicros) * unit;
    return units + sampleDiscreteLaplace({ num: sensitivityUnits * share, den: epsilon });
  };
  const k = BigInt(dp.rowsPerPerson);
  const out: ResultTotals = { ...totals, n: nonNegative(noisy(BigInt(totals.n), k, 1, 'n')) };
  if (totals.counts) out.counts = totals.counts.map((c) => nonNegative(noisy(BigInt(c), k, 1, 'counts')));
  if (totals.sum !== undefined) {
    if (totals.scheme === 'bfv') {
      // Each row is encoded as round(v·10^d): at most ceil(bound·10^d) units, times an integer weight.
      const rowUnits = BigInt(Math.ceil(dp.bound * 10 ** totals.decimals));
      const unit = 10 ** -totals.decimals;
      out.sum = noisy(totals.sum as bigint, k * BigInt(Math.ceil(dp.weight)) * rowUnits, unit, 'sum');
      if (totals.squares !== undefined) out.squares = noisy(totals.squares as bigint, k * rowUnits * rowUnits, unit * unit, 'squares');
    } else {
      const sensitivity = (figure: NoisedFigure) => figures.find((f) => f.figure === figure)!.sensitivity;
      const real = (value: number, figure: NoisedFigure): number => {
        const unit = sensitivity(figure) / REAL_GRID;
        if (unit === 0) return value;
        return Number(noisy(BigInt(Math.round(value / unit)), BigInt(REAL_GRID + 1), unit, figure)) * unit;
      };
      out.sum = real(totals.sum as number, 'sum');
      if (totals.squares !== undefined) out.squares = real(totals.squares as number, 'squares');
    }
  }
  return { totals: out, noise: { mechanism: 'discrete_laplace', epsilon: dp.epsilonMicros / 1e6, scale: scales[primary(totals.operation)] ?? 0, figures: scales } };
}

function nonNegative(x: bigint): number {
  return x < 0n ? 0 : Number(x);
}
