import { SluiceError } from '../../common/errors.ts';
import type { DataRecord } from '../formats/index.ts';
import { cellText } from './marks.ts';
import { parseFieldPolicies, type ParsedPolicy } from './policy.ts';

export interface EquivalenceClass {
  /** The quasi-identifier values shared by the class (transformed values; for the owner's eyes only). */
  values: Record<string, unknown>;
  size: number;
}

export interface KAnonymityResult {
  /** Size of the smallest class of records indistinguishable on the quasi-identifiers (0 for no records). */
  k: number;
  classes: number;
  /** Up to `limit` smallest classes, smallest first. */
  smallestClasses: EquivalenceClass[];
}

/** k-anonymity of records after transforms over the given quasi-identifier fields. */
export function kAnonymity(records: Iterable<DataRecord>, quasiIdentifiers: readonly string[], limit = 10): KAnonymityResult {
  const groups = new Map<string, EquivalenceClass>();
  for (const record of records) {
    const key = JSON.stringify(quasiIdentifiers.map((f) => cellText(record[f]) ?? null));
    const group = groups.get(key);
    if (group) group.size++;
    else groups.set(key, { values: Object.fromEntries(quasiIdentifiers.map((f) => [f, record[f] ?? null])), size: 1 });
  }
  const sorted = [...groups.values()].sort((a, b) => a.size - b.size);
  return { k: sorted[0]?.size ?? 0, classes: groups.size, smallestClasses: sorted.slice(0, limit) };
}

/**
 * Transforms that leave a value a stranger could link to outside knowledge (age band, city,
 * masked phone ends). Pseudonyms from hash/tokenize/simulate/encrypt are unique by design and
 * linkable only with the key, so they are not counted; shuffled and nullified columns no
 * longer describe their row.
 */
const QUASI_IDENTIFYING: ReadonlySet<ParsedPolicy['transform']> = new Set(['keep', 'generalize', 'truncate', 'mask', 'replace']);

/** The default quasi-identifiers of a policy: delivered fields whose transform keeps linkable values. */
export function quasiIdentifiersOf(fields: Record<string, unknown>): string[] {
  return [...parseFieldPolicies(fields)].filter(([, p]) => QUASI_IDENTIFYING.has(p.transform)).map(([name]) => name);
}

export interface ReidentificationCheck {
  /** The owner's floor: every combination of quasi-identifier values must cover at least this many records. */
  minK: number;
  /** Defaults to `quasiIdentifiersOf(fields)`; the owner may name its own. */
  quasiIdentifiers?: readonly string[];
}

/**
 * For the contract path: k-anonymity of a transformed sample against the contract's `minK`.
 * Returns the result when it holds; throws GROUP_TOO_SMALL (details: k, minK, fields — never
 * values) when some combination is rarer than `minK`.
 */
export function enforceMinK(transformed: Iterable<DataRecord>, fields: Record<string, unknown>, check: ReidentificationCheck): KAnonymityResult {
  if (!Number.isInteger(check.minK) || check.minK < 1) throw new SluiceError('VALIDATION_FAILED', 'minK must be a positive integer', { field: 'minK' });
  const quasi = check.quasiIdentifiers ?? quasiIdentifiersOf(fields);
  const result = kAnonymity(transformed, quasi, 1);
  if (quasi.length > 0 && result.classes > 0 && result.k < check.minK) {
    throw new SluiceError('GROUP_TOO_SMALL', 'transformed records are re-identifiable: a combination of quasi-identifiers is rarer than minK', {
      k: result.k,
      minK: check.minK,
      quasiIdentifiers: quasi,
    });
  }
  return result;
}
