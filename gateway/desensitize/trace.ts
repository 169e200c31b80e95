import type { DataRecord } from '../formats/index.ts';
import { CHANCE_OF_MARK, cellText, createMarker } from './marks.ts';

export interface TraceCandidate {
  recipientId: string;
  /** The recipient's fingerprint key. */
  key: Uint8Array;
}

export interface CandidateScore {
  recipientId: string;
  /** −log10 of the chance that this many rows carry the recipient's marks by accident. */
  score: number;
  /** Distinct rows whose evidence cells carry the recipient's marks. */
  marked: number;
  /** How many such rows chance alone would give. */
  expected: number;
}

export interface TraceResult {
  /** The recipient the leak is attributed to, if any scores above the threshold. */
  recipientId: string | undefined;
  score: number;
  candidates: CandidateScore[];
}

export interface TraceOptions {
  /** −log10 p-value a candidate must reach, before correcting for the number of candidates (default 6). */
  threshold?: number;
}

/** Only near-unique columns are evidence: a repeated value that carries a mark by chance would mark many rows. */
const MIN_DISTINCT_SHARE = 0.5;
const MIN_DISTINCT = 8;

function evidenceColumns(records: readonly DataRecord[]): string[] {
  const values = new Map<string, Set<string>>();
  const filled = new Map<string, number>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record)) {
      const text = cellText(value);
      if (text === undefined) continue;
      let set = values.get(name);
      if (set === undefined) values.set(name, (set = new Set()));
      set.add(text);
      filled.set(name, (filled.get(name) ?? 0) + 1);
    }
  }
  return [...values].filter(([name, set]) => set.size >= MIN_DISTINCT && set.size >= MIN_DISTINCT_SHARE * filled.get(name)!).map(([name]) => name);
}

/** Marks a row needs: all of one or two evidence cells, all but one of three or more (a canary cell may miss its mark). */
const needed = (cells: number): number => (cells <= 2 ? cells : cells - 1);

/** P(at least k of n cells marked by chance). */
function chanceRowMarked(n: number): number {
  const k = needed(n);
  let p = 0;
  for (let s = k; s <= n; s++) p += binomial(n, s) * CHANCE_OF_MARK ** s * (1 - CHANCE_OF_MARK) ** (n - s);
  return p;
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** −log10 P(Poisson(λ) ≥ k), summed in log space so tiny tails do not underflow. */
function poissonTailScore(k: number, lambda: number): number {
  if (k === 0) return 0;
  if (lambda <= 0) return Infinity;
  let logFactorial = 0;
  for (let i = 2; i <= k; i++) logFactorial += Math.log(i);
  const logFirst = -lambda + k * Math.log(lambda) - logFactorial;
  let series = 1;
  let term = 1;
  for (let i = k + 1; term > 1e-12 * series && i < k + 10_000; i++) {
    term *= lambda / i;
    series += term;
  }
  return Math.max(0, -(logFirst + Math.log(series)) / Math.LN10);
}

/**
 * Names the recipient a leaked extract came from. For every candidate key, counts the distinct
 * rows whose near-unique cells carry that key's marks, and scores the count against what chance
 * would give (a Poisson tail). The best candidate is named only if its score clears the
 * threshold raised by log10(number of candidates) — so with no canaries in the leak, nobody is.
 */
export function traceLeak(records: readonly DataRecord[], candidates: readonly TraceCandidate[], options: TraceOptions = {}): TraceResult {
  const columns = evidenceColumns(records);
  const rows = new Map<string, string[]>();
  for (const record of records) {
    const cells = columns.map((c) => cellText(record[c])).filter((t): t is string => t !== undefined);
    if (cells.length > 0) rows.set(JSON.stringify(cells), cells);
  }
  let expected = 0;
  for (const cells of rows.values()) expected += chanceRowMarked(cells.length);

  const scores = candidates.map(({ recipientId, key }) => {
    const marked = createMarker(key);
    let count = 0;
    for (const cells of rows.values()) {
      let hits = 0;
      for (const cell of cells) if (marked(cell)) hits++;
      if (hits >= needed(cells.length)) count++;
    }
    return { recipientId, score: poissonTailScore(count, expected), marked: count, expected };
  });
  scores.sort((a, b) => b.score - a.score);
  const threshold = (options.threshold ?? 6) + Math.log10(Math.max(1, candidates.length));
  const best = scores[0];
  const named = best !== undefined && best.score >= threshold ? best : undefined;
  return { recipientId: named?.recipientId, score: named?.score ?? best?.score ?? 0, candidates: scores };
}
