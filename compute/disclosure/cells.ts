/** Why a bin of a released histogram shows `null`. */
export type SuppressionReason = 'primary' | 'secondary';

export interface SuppressedCell {
  /** Bin index, as in the histogram's `value`. */
  cell: number;
  reason: SuppressionReason;
}

/** The index of the implicit cell of values outside every bin: never released, but derivable from `n`. */
export const OUTSIDE = -1;

/**
 * One party's view of a histogram's cells: how many persons (or rows) have at least one row in
 * any of the given cells. Each owner's share is judged on its own, so no owner's few persons
 * hide behind another owner's many.
 */
export interface CellShare {
  count(cells: readonly number[]): number;
}

/**
 * Cell suppression as statistical offices do it (τ-ARGUS's threshold rule, in one dimension).
 * Primary: a bin that some share holds 0 < k < floor persons of. Secondary: `n` is released, so
 * n − Σ(released bins) gives the suppressed bins plus the outside cell together; bins are added
 * (those holding persons of a share still short first, then the smallest) until that derivable total covers 0 or ≥ floor persons of every share, and no
 * single bin stands alone when nothing lies outside the bins. `forced` bins are suppressed
 * whatever their counts (decisions made elsewhere on finer data).
 */
export function suppressCells(bins: number, shares: readonly CellShare[], floor: number, forced: readonly SuppressedCell[] = []): SuppressedCell[] {
  const reasons = new Map<number, SuppressionReason>(forced.map((f) => [f.cell, f.reason]));
  for (let i = 0; i < bins; i++) {
    if (reasons.has(i)) continue;
    if (shares.some((share) => small(share.count([i]), floor))) reasons.set(i, 'primary');
  }
  const outsideEmpty = shares.every((share) => share.count([OUTSIDE]) === 0);
  const hidden = () => [...reasons.keys(), OUTSIDE];
  const short = () => shares.filter((share) => small(share.count(hidden()), floor));
  for (;;) {
    const deficient = short();
    if (deficient.length === 0 && !(reasons.size === 1 && outsideEmpty)) break;
    const candidates = [...Array(bins).keys()].filter((i) => !reasons.has(i));
    if (candidates.length === 0) break;
    const total = (i: number) => shares.reduce((sum, share) => sum + share.count([i]), 0);
    // Prefer bins holding persons of a share that is still short; then the smallest occupied
    // bin, which loses least (an empty bin adds nobody to the derivable total).
    const helping = candidates.filter((i) => deficient.some((share) => share.count([i]) > 0));
    const occupied = candidates.filter((i) => total(i) > 0);
    const pool = helping.length > 0 ? helping : occupied.length > 0 ? occupied : candidates;
    reasons.set(pool.reduce((best, i) => (total(i) < total(best) ? i : best)), 'secondary');
  }
  return [...reasons].map(([cell, reason]) => ({ cell, reason })).sort((a, b) => a.cell - b.cell);
}

function small(count: number, floor: number): boolean {
  return count > 0 && count < floor;
}

/** A histogram's rows as one share: what the KMS sees after decryption (rows, not persons). */
export function rowShare(counts: readonly number[], n: number): CellShare {
  const binned = counts.reduce((a, b) => a + b, 0);
  return { count: (cells) => cells.reduce((sum, c) => sum + (c === OUTSIDE ? n - binned : counts[c]!), 0) };
}
