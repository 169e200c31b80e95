import { finishTotals, type HeResult, type ResultTotals } from '../he/totals.ts';
import { rowShare, suppressCells, type SuppressedCell } from './cells.ts';
import { addNoise, type DpRelease, type NoiseReport } from './noise.ts';

/** What leaves the key holder: the figure, with suppressed bins as `null` and the noise it carries. */
export interface ReleasedResult extends Omit<HeResult, 'value'> {
  value: number | (number | null)[] | null;
  suppressed?: SuppressedCell[];
  noise?: NoiseReport;
}

export interface ReleaseOptions {
  /** The job's group-size floor: no bin below it is released. */
  floor: number;
  /** The owners' differential-privacy terms; absent: the figure is exact. */
  dp?: DpRelease;
  /** Bins the gateway found below the floor in some owner's persons (and their secondary cells). */
  suppress?: readonly SuppressedCell[];
}

/**
 * The released figure of decrypted totals. Under differential privacy every figure gets noise
 * and only the gateway's person-based suppression applies (a noisy bin singles nobody out).
 * Without, the key holder also suppresses bins whose rows fall below the floor — a second line
 * behind the gateway's per-person decision, which already implies it.
 */
export function releaseTotals(totals: ResultTotals, options: ReleaseOptions): ReleasedResult {
  const noised = options.dp ? addNoise(totals, options.dp) : undefined;
  const result: ReleasedResult = finishTotals(noised?.totals ?? totals);
  if (noised) result.noise = noised.noise;
  if (totals.counts) {
    const forced = options.suppress ?? [];
    const suppressed = options.dp ? [...forced] : suppressCells(totals.counts.length, [rowShare(totals.counts, totals.n)], options.floor, forced);
    if (suppressed.length > 0) {
      const hidden = new Set(suppressed.map((s) => s.cell));
      result.value = (result.value as number[]).map((count, i) => (hidden.has(i) ? null : count));
      result.suppressed = suppressed;
    }
  }
  return result;
}
