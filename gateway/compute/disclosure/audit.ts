import { countSignature, peel, type SketchKey, type SketchLanes, type SketchOutcome } from './sketch.ts';

/** Why a job would single someone out (`details.reason` of DISCLOSURE_RISK). */
export type DisclosureReason =
  | 'signed_weights'
  | 'small_input'
  | 'small_share'
  | 'differencing'
  | 'tracker'
  | 'undecidable'
  | 'audit_limit';

/** A released (or pending) figure of one owner's persons, as the audit compares it. */
export interface AuditCell {
  jobId: string;
  /** Σ multiplicities of its sketch: a combination of cells has at least |Σ c·weight| / 3 persons. */
  weight: number;
  persons: number;
  /** Keyed digest of the sketch: equal cells (a re-run over the same rows) differ by nobody. */
  digest: string;
  sketch: SketchLanes;
}

export interface AuditResult {
  risk?: DisclosureReason;
  /** The nearest earlier figure the new job was compared with, for the owners' preview. */
  closest?: { jobId: string; differingPersons: number | null };
}

/** Examines at most this many combinations per job; beyond, the job is refused rather than waved through. */
export const MAX_COMBINATIONS = 200_000;

/**
 * The differencing audit of one owner's share, against that owner's earlier figures for the
 * same requester. Each new cell is compared with every earlier cell (C − R) and with every pair
 * of them (C − Rᵢ ± Rⱼ, the tracker shape): any combination that peels to fewer than `floor`
 * persons — more than none — is a risk, as is one that stalls on a small knot. New cells join
 * the pool as they pass, so a job's own cells are combined with each other too.
 *
 * Cheap by arithmetic first: a combination's persons are at least |Σ c·weight| / (number of
 * terms), since each person is at most one element per term. Only combinations within reach of
 * the floor are peeled; earlier cells sorted by weight make the pair search a range lookup.
 *
 * What is not caught: trackers over four or more figures, and combinations with other
 * coefficients. Contracts that must hold against those carry differential-privacy terms.
 */
export function auditCells(key: SketchKey, fresh: readonly AuditCell[], stored: readonly AuditCell[], floor: number): AuditResult {
  const width = Math.min(...[...fresh, ...stored].map((c) => c.sketch.width));
  const signed = (cell: AuditCell): Signed => ({ cell, signature: countSignature(cell.sketch, width) });
  const pool = dedupe(stored).map(signed);
  const result: AuditResult = {};
  let examined = 0;
  const risky = (outcome: SketchOutcome) => outcome.kind !== 'large' && outcome.persons < floor && (outcome.kind === 'undecidable' || outcome.persons > 0);
  // Each person is at most one element per term: fewer than `floor` persons are at most this many elements.
  const pairElements = 2 * (floor - 1);
  const tripleElements = 3 * (floor - 1);
  for (const current of fresh.map(signed)) {
    const { cell } = current;
    const sorted = [...pool].sort((a, b) => a.cell.weight - b.cell.weight);
    const weights = sorted.map((c) => c.cell.weight);
    // Pairs: C − R. For the whole-job cell, a wider window finds near misses to show the owners.
    const whole = cell === fresh[0];
    const window = whole ? 4 * floor : 2 * floor;
    const pairLimit = whole ? 2 * pairElements : pairElements;
    for (const other of sorted) {
      if (other.cell.digest === cell.digest || Math.abs(cell.weight - other.cell.weight) >= window) continue;
      if (++examined > MAX_COMBINATIONS) return { ...result, risk: 'audit_limit' };
      const outcome = within([current, other], [1, -1], pairLimit)
        ? peel(key, [{ sketch: cell.sketch, coefficient: 1 }, { sketch: other.cell.sketch, coefficient: -1 }], pairLimit)
        : ({ kind: 'large' } as const);
      if (risky(outcome)) return { ...result, risk: outcome.kind === 'undecidable' ? 'undecidable' : 'differencing' };
      if (whole) note(result, other.cell.jobId, outcome);
    }
    // Triples: C − Rᵢ + Rⱼ, C + Rᵢ − Rⱼ, C − Rᵢ − Rⱼ.
    const reach = 3 * floor;
    for (const [i, a] of sorted.entries()) {
      if (a.cell.digest === cell.digest) continue;
      for (const [si, sj] of [
        [-1, 1],
        [1, -1],
        [-1, -1],
      ] as const) {
        // s_j·w_j must lie within reach of −(w_C + s_i·w_i).
        const target = -(cell.weight + si * a.cell.weight) * sj;
        for (let j = lowerBound(weights, target - reach + 1); j < sorted.length && weights[j]! < target + reach; j++) {
          const b = sorted[j]!;
          if (j <= i || b.cell.digest === cell.digest || b.cell.digest === a.cell.digest) continue;
          if (++examined > MAX_COMBINATIONS) return { ...result, risk: 'audit_limit' };
          if (!within([current, a, b], [1, si, sj], tripleElements)) continue;
          const outcome = peel(
            key,
            [
              { sketch: cell.sketch, coefficient: 1 },
              { sketch: a.cell.sketch, coefficient: si },
              { sketch: b.cell.sketch, coefficient: sj },
            ],
            tripleElements,
          );
          if (risky(outcome)) return { ...result, risk: outcome.kind === 'undecidable' ? 'undecidable' : 'tracker' };
        }
      }
    }
    pool.push(current);
  }
  return result;
}

interface Signed {
  cell: AuditCell;
  signature: Int32Array;
}

/** Whether the combination's multiplicities could total `limit` or fewer (else it is large). */
function within(terms: readonly Signed[], coefficients: readonly number[], limit: number): boolean {
  const [a, b, c] = terms.map((t) => t.signature);
  const [ca, cb, cc] = coefficients;
  let total = 0;
  for (let i = 0; i < a!.length; i++) {
    total += Math.abs(ca! * a![i]! + cb! * b![i]! + (c ? cc! * c[i]! : 0));
    if (total > limit) return false;
  }
  return true;
}

function note(result: AuditResult, jobId: string, outcome: SketchOutcome): void {
  const differing = outcome.kind === 'exact' ? outcome.persons : null;
  const best = result.closest?.differingPersons;
  if (result.closest === undefined || (differing !== null && (best === null || differing < best!))) result.closest = { jobId, differingPersons: differing };
}

/** One cell per digest: the same figure released twice adds nothing to combine. */
function dedupe(cells: readonly AuditCell[]): AuditCell[] {
  const seen = new Map<string, AuditCell>();
  for (const cell of cells) if (!seen.has(cell.digest)) seen.set(cell.digest, cell);
  return [...seen.values()];
}

/** The first index whose value is ≥ `value` in an ascending array. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
