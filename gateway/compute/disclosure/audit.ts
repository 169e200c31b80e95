import type { Sketch } from './sketch.ts';
import { peel, type SketchOutcome } from './sketch.ts';

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
  sketch: Sketch;
}

export interface AuditResult {
  risk?: DisclosureReason;
  /** The nearest earlier figure the new job was compared with, for the owners' preview. */
  closest?: { jobId: string; differingPersons: number | null };
}

/** Peels at most this many combinations per job; beyond, the job is refused rather than waved through. */
export const MAX_PEELS = 10_000;

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
export function auditCells(fresh: readonly AuditCell[], stored: readonly AuditCell[], floor: number): AuditResult {
  const pool = dedupe(stored);
  const result: AuditResult = {};
  let peels = 0;
  const risky = (outcome: SketchOutcome) => outcome.persons < floor && (outcome.kind === 'undecidable' || (outcome.kind === 'exact' && outcome.persons > 0));
  for (const cell of fresh) {
    const sorted = [...pool].sort((a, b) => a.weight - b.weight);
    const weights = sorted.map((c) => c.weight);
    // Pairs: C − R. For the whole-job cell, a wider window finds near misses to show the owners.
    const window = cell === fresh[0] ? 4 * floor : 2 * floor;
    for (const [i, other] of sorted.entries()) {
      if (other.digest === cell.digest || Math.abs(cell.weight - other.weight) >= window) continue;
      if (++peels > MAX_PEELS) return { ...result, risk: 'audit_limit' };
      const outcome = peel([
        { sketch: cell.sketch, coefficient: 1 },
        { sketch: sorted[i]!.sketch, coefficient: -1 },
      ]);
      if (risky(outcome)) return { ...result, risk: outcome.kind === 'undecidable' ? 'undecidable' : 'differencing' };
      if (cell === fresh[0]) note(result, other.jobId, outcome);
    }
    // Triples: C − Rᵢ + Rⱼ, C + Rᵢ − Rⱼ, C − Rᵢ − Rⱼ.
    const reach = 3 * floor;
    for (const [i, a] of sorted.entries()) {
      if (a.digest === cell.digest) continue;
      for (const [si, sj] of [
        [-1, 1],
        [1, -1],
        [-1, -1],
      ] as const) {
        // s_j·w_j must lie within reach of −(w_C + s_i·w_i).
        const target = -(cell.weight + si * a.weight) * sj;
        for (let j = lowerBound(weights, target - reach + 1); j < sorted.length && weights[j]! < target + reach; j++) {
          const b = sorted[j]!;
          if (j <= i || b.digest === cell.digest || b.digest === a.digest) continue;
          if (++peels > MAX_PEELS) return { ...result, risk: 'audit_limit' };
          const outcome = peel([
            { sketch: cell.sketch, coefficient: 1 },
            { sketch: a.sketch, coefficient: si },
            { sketch: b.sketch, coefficient: sj },
          ]);
          if (risky(outcome)) return { ...result, risk: outcome.kind === 'undecidable' ? 'undecidable' : 'tracker' };
        }
      }
    }
    pool.push(cell);
  }
  return result;
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
