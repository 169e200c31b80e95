import type { Kysely, Transaction } from 'kysely';
import { fail } from '../../common/index.ts';
import { scenarioExemption } from './assess.ts';
import { toFacts } from './facts.ts';
import { REGIME_2022_TO } from './rules/catalog.ts';
import type { Scenario } from './scenario.ts';
import { createSubjectStore, SubjectSet, type Bucket, type ComplianceDatabase, type HeldSubjects, type SubjectCategory, type SubjectStore, type SubjectStoreOptions } from './store/index.ts';

/**
 * Keyed hashes of the persons a transfer carries: `personal` those whose non-sensitive PI leaves,
 * `sensitive` those whose sensitive PI leaves. A large batch comes as one packed SubjectSet.
 */
export interface SubjectBatch {
  personal: readonly Uint8Array[] | SubjectSet;
  sensitive: readonly Uint8Array[] | SubjectSet;
}

const asSet = (subjects: readonly Uint8Array[] | SubjectSet): SubjectSet => (subjects instanceof SubjectSet ? subjects : SubjectSet.of(subjects));

/** De-duplicated persons of one exporter (R-NO-SPLIT), in the units of Scenario.data. */
export interface SubjectCounts {
  year: number;
  personal: number;
  sensitive: number;
  /** 2022 regime: persons with PI of any kind since 1 January of the previous year; null after 2024. */
  personalSincePreviousYear: number | null;
  sensitiveSincePreviousYear: number | null;
}

export interface CommitResult {
  /** False when R-EX-COUNT kept the transfer out of the counts. */
  counted: boolean;
  counts: SubjectCounts;
}

export type SubjectCounterOptions = SubjectStoreOptions;

/** The last year in which a transfer can fall under the 2022 regime and its previous-year window. */
const LAST_WINDOW_YEAR = Number(REGIME_2022_TO.slice(0, 4));

function windowed(year: number): boolean {
  return year <= LAST_WINDOW_YEAR;
}

interface CategoryBatch {
  category: SubjectCategory;
  subjects: SubjectSet;
  /** Whether the previous-year window is kept for this category in this year. */
  window: boolean;
}

function categories(year: number, batch: SubjectBatch): CategoryBatch[] {
  const personal = asSet(batch.personal);
  const sensitive = asSet(batch.sensitive);
  const win = windowed(year);
  const out: CategoryBatch[] = [
    { category: 'personal', subjects: personal, window: false },
    { category: 'sensitive', subjects: sensitive, window: win },
  ];
  // The 2022 Measures' 100,000 bar counts PI of any kind, so those years also keep the union.
  if (win) out.push({ category: 'any', subjects: SubjectSet.union(personal, sensitive), window: true });
  return out;
}

/** Subjects of the batch not yet in `set`. */
function absent(subjects: SubjectSet, set: HeldSubjects): SubjectSet {
  return subjects.without(set.found(subjects.keys));
}

function countIn(subjects: SubjectSet, set: HeldSubjects): number {
  let n = 0;
  for (const f of set.found(subjects.keys)) n += f;
  return n;
}

/**
 * The de-duplicated, per-exporter cumulative counts behind R-EX6, R-SA3, R-SA4, R-SC1, R-SC2 and
 * R-OLD-SA (R-NO-SPLIT): which (exporter, year, category) sets of the subject store a transfer's
 * persons join, and what the counts are then — so a person counts once however many transfers
 * carry them. The 2022 regime's previous-year window is kept in each bucket's second counter.
 * Create one per process and share it (its store caches the sets).
 *
 * Race-free use by the transfer path, all in one transaction:
 * `lockExporter` → `preview` → assess → check filing → `commit` → transfer row and receipt.
 */
export class SubjectCounter {
  private readonly store: SubjectStore;

  constructor(
    private readonly database: ComplianceDatabase,
    options: SubjectCounterOptions = {},
  ) {
    this.store = createSubjectStore(database, options);
  }

  /** Serializes count-and-commit per exporter until `trx` ends; call it first in the transaction. */
  lockExporter(trx: Transaction<any>, exporterId: string): Promise<void> {
    return this.store.lockExporter(trx, exporterId);
  }

  /** The counts as they stand, from the counter rows alone. */
  async counts(exporterId: string, year: number, executor: Kysely<any> = this.database.db): Promise<SubjectCounts> {
    checkYear(year);
    const personal = await this.store.read(executor, exporterId, year, 'personal');
    const sensitive = await this.store.read(executor, exporterId, year, 'sensitive');
    const counts: SubjectCounts = { year, personal: personal?.subjects ?? 0, sensitive: sensitive?.subjects ?? 0, personalSincePreviousYear: null, sensitiveSincePreviousYear: null };
    if (windowed(year)) {
      counts.personalSincePreviousYear = await this.windowCount(executor, exporterId, year, 'any');
      counts.sensitiveSincePreviousYear = await this.windowCount(executor, exporterId, year, 'sensitive');
    }
    return counts;
  }

  /** The cumulative counts for `year` as they would be after counting this batch. Writes nothing. */
  async preview(exporterId: string, year: number, batch: SubjectBatch, executor: Kysely<any> = this.database.db): Promise<SubjectCounts> {
    checkYear(year);
    const counts: SubjectCounts = { year, personal: 0, sensitive: 0, personalSincePreviousYear: null, sensitiveSincePreviousYear: null };
    for (const { category, subjects, window } of categories(year, batch)) {
      const bucket = await this.store.read(executor, exporterId, year, category);
      const current = await this.store.held(executor, bucket);
      const fresh = absent(subjects, current);
      if (category !== 'any') counts[category] = (bucket?.subjects ?? 0) + fresh.size;
      if (!window) continue;
      const previous = await this.store.read(executor, exporterId, year - 1, category);
      const before = await this.store.held(executor, previous);
      const base = bucket?.window_subjects ?? previous?.subjects ?? 0;
      counts[category === 'any' ? 'personalSincePreviousYear' : 'sensitiveSincePreviousYear'] = base + fresh.size - countIn(fresh, before);
    }
    return counts;
  }

  /**
   * Counts the batch inside the caller's transaction, unless the scenario is an exemption scenario
   * (R-EX-COUNT). The year is the scenario's (China) transfer year. Takes the exporter lock itself
   * in case the caller has not.
   */
  async commit(trx: Transaction<any>, exporterId: string, scenario: Scenario, batch: SubjectBatch): Promise<CommitResult> {
    const facts = toFacts(scenario);
    if (scenarioExemption(facts) !== null) return { counted: false, counts: await this.counts(exporterId, facts.year, trx) };
    const year = facts.year;
    await this.lockExporter(trx, exporterId);
    for (const { category, subjects, window } of categories(year, batch)) {
      if (subjects.size === 0) continue;
      const bucket = (await this.store.read(trx, exporterId, year, category)) ?? (await this.createBucket(trx, exporterId, year, category, window));
      const fresh = absent(subjects, await this.store.held(trx, bucket));
      if (fresh.size === 0) continue;
      let windowAdded = 0;
      if (window) {
        const previous = await this.store.read(trx, exporterId, year - 1, category);
        windowAdded = fresh.size - countIn(fresh, await this.store.held(trx, previous));
        // A late commit into an earlier year also grows the following year's window.
        const next = windowed(year + 1) ? await this.store.read(trx, exporterId, year + 1, category) : undefined;
        if (next) await this.store.growWindow(trx, next, fresh.size - countIn(fresh, await this.store.held(trx, next)));
      }
      await this.store.append(trx, bucket, fresh, windowAdded);
    }
    return { counted: true, counts: await this.counts(exporterId, year, trx) };
  }

  private async windowCount(executor: Kysely<any>, exporterId: string, year: number, category: SubjectCategory): Promise<number> {
    const bucket = await this.store.read(executor, exporterId, year, category);
    if (bucket) return bucket.window_subjects ?? 0;
    return (await this.store.read(executor, exporterId, year - 1, category))?.subjects ?? 0;
  }

  /** A new year's window starts as the previous year's set. */
  private async createBucket(trx: Transaction<any>, exporterId: string, year: number, category: SubjectCategory, window: boolean): Promise<Bucket> {
    const previous = window ? await this.store.read(trx, exporterId, year - 1, category) : undefined;
    return this.store.create(trx, exporterId, year, category, window ? (previous?.subjects ?? 0) : null);
  }
}

function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < 2000 || year > 9999) throw fail.validation('year must be a four-digit calendar year');
}
