import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../../common/threads/index.ts';
import type { DataRecord, RecordFormat } from '../../formats/index.ts';
import { batchTextFor } from '../../formats/index.ts';
import { transformUnits, type StreamOptions } from '../stream.ts';
import type { DesensitizeStats } from '../types.ts';
import { BatchPool } from './pool.ts';
import { recordsOf, type RecordUnit, type SealedInput } from './sealed.ts';
import { desensitizerOf, type DesensitizerSpec } from './spec.ts';

const WORKER_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.ts');

export interface ThreadedOptions extends StreamOptions {
  /**
   * Worker threads transforming batches while the calling thread parses and writes; 0 (default):
   * none. A policy with `shuffle` runs on the calling thread whatever this says.
   */
  threads?: number;
  /** The key of sealed units (`SealedRecords`), opened by the threads (or here, where there are none). */
  input?: SealedInput;
}

export interface ThreadedDesensitizer {
  /** Delivered fields in policy order, as `Desensitizer.columns`. */
  readonly columns: readonly string[];
  /**
   * The transformed batches of a stream as `batchTextFor(format, columns)` texts, in input order;
   * write them with `writeBatchTexts`. Batches, shuffle windows and everything done per batch
   * (canaries) are the same as `desensitizeStream`'s, so deterministic output is byte-identical.
   */
  serialize(batches: AsyncIterable<RecordUnit> | Iterable<RecordUnit>, format: RecordFormat): AsyncGenerator<string | Uint8Array>;
  /** Totals over every thread, once `serialize` has finished. */
  stats(): DesensitizeStats;
}

/** Rows transformed on the calling thread before threads start: below this, starting them costs more than it saves. */
const LOCAL_ROWS = 4096;
/** Jobs waiting in one thread: two keep it busy while the next is encoded. */
const JOBS_PER_THREAD = 2;

/**
 * The desensitizer of `sluice desensitize`: on `threads` worker threads, each holding its own
 * desensitizer built from `spec`, or on the calling thread. The threads run a bundle of the
 * engine (worker.ts), get batches as one string and one length array (batch-codec.ts) and send
 * back serialized text, so the calling thread parses and writes and nothing else.
 */
export function createThreadedDesensitizer(spec: DesensitizerSpec, options: ThreadedOptions = {}): ThreadedDesensitizer {
  const local = desensitizerOf(spec);
  const threadStats: DesensitizeStats[] = [];
  // Shuffle windows stay on this thread: each isolate holding a window of records lets its heap
  // grow to 4-5 times the window before a full collection, and with the default window two
  // threads took the run from 0.4 to 1 GB.
  const threads = local.shuffles ? 0 : (options.threads ?? 0);
  const { input } = options;
  return {
    columns: local.columns,
    async *serialize(batches, format) {
      // Shuffle windows gather records here, so sealed units are opened first; otherwise units pass as they are.
      const units = (local.shuffles ? transformUnits(opened(batches, input), true, options) : passThrough(batches))[Symbol.asyncIterator]();
      const start = async (): Promise<BatchPool> => new BatchPool((await bundle(WORKER_ENTRY, 'cjs')).code, threads, { spec, format, ...(input ? { input } : {}) }, JOBS_PER_THREAD);
      let pool: BatchPool | undefined;
      try {
        // The first rows are transformed here, so a small input never waits for threads; from
        // the second batch on the threads start, and boot while this thread does those rows.
        const text = batchTextFor(format, local.columns);
        for (let rows = 0; threads === 0 || rows < LOCAL_ROWS; ) {
          const unit = await units.next();
          if (unit.done) return;
          if (threads > 0 && rows > 0) pool ??= await start();
          const records = recordsOf(input, unit.value);
          rows += records.length;
          yield text(local.transformBatch(records));
        }
        pool ??= await start();
        yield* pool.run({ [Symbol.asyncIterator]: () => units }, local.columns);
      } finally {
        if (pool !== undefined) {
          threadStats.push(...pool.stats());
          await pool.close();
        }
        await units.return?.(undefined);
      }
    },
    stats: () => sumStats([local.stats(), ...threadStats]),
  };
}

async function* opened(units: AsyncIterable<RecordUnit> | Iterable<RecordUnit>, input: SealedInput | undefined): AsyncGenerator<DataRecord[]> {
  for await (const unit of units) yield recordsOf(input, unit);
}

async function* passThrough<T>(units: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* units;
}

function sumStats(all: readonly DesensitizeStats[]): DesensitizeStats {
  const [first, ...rest] = all;
  const total = { records: first!.records, nulled: { ...first!.nulled }, canaries: first!.canaries };
  for (const s of rest) {
    total.records += s.records;
    total.canaries += s.canaries;
    for (const [field, n] of Object.entries(s.nulled)) total.nulled[field] = (total.nulled[field] ?? 0) + n;
  }
  return total;
}
