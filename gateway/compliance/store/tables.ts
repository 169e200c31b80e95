import type { Generated } from 'kysely';

/** Row types of the subject store's tables (both engines; created by the compliance migrations). */
export interface SubjectStoreTables {
  compliance_buckets: BucketsTable;
  compliance_subject_chunks: SubjectChunksTable;
  compliance_exporter_locks: ExporterLocksTable;
}

export type SubjectCategory = 'personal' | 'sensitive' | 'any';

/** One counted set: an exporter, a calendar year and a category of PI. */
export interface BucketsTable {
  id: Generated<number>;
  exporter_id: string;
  year: number;
  category: SubjectCategory;
  /** Distinct subjects in this bucket. */
  subjects: number;
  /** Distinct subjects in this bucket or the previous year's (2022 regime years only). */
  window_subjects: number | null;
  /** Sequence number of the last chunk appended (0: none). */
  chunks: number;
  /** Id of the last chunk, so a cached copy can tell whether it is still current. */
  head: Uint8Array | null;
}

/**
 * The bucket's subjects, as append-only chunks: each commit appends the subjects new to the
 * bucket, so the set is the union of its chunks and no subject appears twice.
 */
export interface SubjectChunksTable {
  bucket_id: number;
  seq: number;
  /** Random id; tells a rolled-back chunk from the one later committed under the same seq. */
  chunk_id: Uint8Array;
  subjects: number;
  /** `subjects` × 16-byte hashes (the first 16 bytes of each subject's keyed hash), back to back. */
  hashes: Uint8Array;
}

/** A row per exporter whose write serializes count-and-commit on SQLite. */
export interface ExporterLocksTable {
  exporter_id: string;
  acquisitions: number;
}
