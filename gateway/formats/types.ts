/** One record as read from or written to a file: field name → JSON-compatible value. */
export type DataRecord = Record<string, unknown>;

export type RecordFormat = 'csv' | 'ndjson' | 'json-array';

/** What readers consume: a Node Readable, or any async iterable of byte or text chunks. */
export type ChunkSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

export interface ReadOptions {
  /** Records per yielded batch (default 1000). */
  batchSize?: number;
  /** Largest accepted single record, in UTF-16 code units, so a missing quote or newline cannot exhaust memory (default 32 Mi). */
  maxRecordChars?: number;
}

export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_MAX_RECORD_CHARS = 32 * 1024 * 1024;

/** Field names that would reach `Object.prototype` through plain assignment. */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set(['__proto__']);
