import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendChunk, createBucket, growWindow, readBucket, type Bucket } from './buckets.ts';
import type { ComplianceDatabase } from './database.ts';
import { SubjectSetCache } from './subject-cache.ts';
import { SubjectRuns } from './subject-runs.ts';
import type { SubjectSet } from './subject-set.ts';
import type { SubjectCategory, SubjectStoreTables } from './tables.ts';

export type { Bucket };

/** A bucket's subjects as one process holds them: which of a sorted, distinct batch are in it. */
export interface HeldSubjects {
  /** A flag per key of the batch (1 = held). */
  found(batch: Uint8Array): Uint8Array;
}

/**
 * Sets of distinct subjects (16-byte keyed hashes) in the database, one per exporter, year and
 * category of PI ("bucket"), with a counter of their size and a second counter the caller keeps
 * beside it (`window_subjects`). A set only grows. Every read and write takes the executor it
 * runs in (a transaction sees its own appends); writers of one exporter's buckets serialize on
 * `lockExporter`.
 */
export interface SubjectStore {
  /** Serializes writers of the exporter's buckets until `trx` ends; take it first in the transaction. */
  lockExporter(trx: Transaction<any>, exporterId: string): Promise<void>;
  /** The bucket's counters, or nothing when it was never created. */
  read(executor: Kysely<any>, exporterId: string, year: number, category: SubjectCategory): Promise<Bucket | undefined>;
  /** Creates the bucket empty (or returns it, when another writer did), its second counter at `window`. */
  create(trx: Transaction<any>, exporterId: string, year: number, category: SubjectCategory, window: number | null): Promise<Bucket>;
  /** The bucket's subjects (an absent bucket holds none). */
  held(executor: Kysely<any>, bucket: Bucket | undefined): Promise<HeldSubjects>;
  /** Adds subjects the bucket does not hold yet, and `windowAdded` to its second counter. */
  append(trx: Transaction<any>, bucket: Bucket, fresh: SubjectSet, windowAdded: number): Promise<void>;
  /** Adds `n` to the bucket's second counter. */
  growWindow(trx: Transaction<any>, bucket: Bucket, n: number): Promise<void>;
}

export interface SubjectStoreOptions {
  /** Memory for cached subject sets, 16 bytes per subject (default 1 GiB ≈ 67M subjects). */
  cacheBytes?: number;
}

const EMPTY = new SubjectRuns();

/**
 * The store over the compliance tables: each bucket is an append-only log of chunks holding the
 * subjects new to it, a running counter, and an in-memory copy of the set for membership tests
 * (kept in step with the log, so several processes may share the database), so adding a batch
 * costs O(batch · log(held / batch)), not O(held). Create one per process and share it.
 */
export function createSubjectStore(database: ComplianceDatabase, options: SubjectStoreOptions = {}): SubjectStore {
  const cache = new SubjectSetCache(options.cacheBytes ?? 2 ** 30);
  return {
    /**
     * PostgreSQL: a transaction-scoped advisory lock keyed by the exporter. SQLite: the upsert
     * takes the database write lock before anything is read, which serializes writers across
     * processes too.
     */
    async lockExporter(trx, exporterId) {
      if (database.dialect === 'postgres') {
        await sql`SELECT pg_advisory_xact_lock(hashtext('sluice.compliance'), hashtext(${exporterId}))`.execute(trx);
        return;
      }
      await (trx as Transaction<SubjectStoreTables>)
        .insertInto('compliance_exporter_locks')
        .values({ exporter_id: exporterId, acquisitions: 1 })
        .onConflict((oc) => oc.column('exporter_id').doUpdateSet({ acquisitions: sql`compliance_exporter_locks.acquisitions + 1` }))
        .execute();
    },
    read: readBucket,
    create: createBucket,
    held: async (executor, bucket) => (bucket ? cache.current(executor, bucket) : EMPTY),
    append: (trx, bucket, fresh, windowAdded) => appendChunk(trx, bucket, { seq: bucket.chunks + 1, chunk_id: randomBytes(16), subjects: fresh.size, hashes: fresh.keys }, windowAdded),
    growWindow: (trx, bucket, n) => growWindow(trx, bucket.id, n),
  };
}
