import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { batchTextFor, frameFor, type BatchText, type OutputFrame } from './writers.ts';
import type { DataRecord, RecordFormat } from './types.ts';

export interface WriteOptions {
  /** CSV column order; defaults to the first record's fields. */
  columns?: readonly string[];
}

/**
 * Writes batches to a stream, waiting for `drain` whenever the stream is full so memory stays
 * bounded by one batch however slow the consumer. Returns the number of records written.
 * With no records, CSV gets only a header (when `columns` is given) and JSON an empty array.
 */
export async function writeRecords(
  batches: AsyncIterable<DataRecord[]> | Iterable<DataRecord[]>,
  out: Writable,
  format: RecordFormat,
  options: WriteOptions = {},
): Promise<number> {
  let columns = options.columns;
  let text: BatchText | undefined;
  let count = 0;
  const texts = async function* () {
    for await (const batch of batches) {
      if (batch.length === 0) continue;
      columns ??= Object.keys(batch[0]!);
      text ??= batchTextFor(format, columns);
      count += batch.length;
      yield text(batch);
    }
  };
  await writeFramed(texts(), out, format, () => columns);
  return count;
}

/**
 * Writes the texts of non-empty batches made by `batchTextFor` (possibly on other threads, as
 * UTF-8 bytes) in the format's frame: the same output and back-pressure as `writeRecords`.
 */
export function writeBatchTexts(
  texts: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  out: Writable,
  format: RecordFormat,
  columns: readonly string[],
): Promise<void> {
  return writeFramed(texts, out, format, () => columns);
}

/** `columnsOf` is asked once the first text is there (or at the end): writeRecords learns them from the first batch. */
async function writeFramed(
  texts: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  out: Writable,
  format: RecordFormat,
  columnsOf: () => readonly string[] | undefined,
): Promise<void> {
  const put = async (text: string | Uint8Array): Promise<void> => {
    if (text.length > 0 && !out.write(text)) await once(out, 'drain');
  };
  let frame: OutputFrame | undefined;
  for await (const text of texts) {
    if (text.length === 0) continue;
    if (frame === undefined) {
      frame = frameFor(format, columnsOf() ?? []);
      await put(frame.head());
    }
    await put(frame.before());
    await put(text);
  }
  if (frame === undefined) {
    const columns = columnsOf();
    frame = frameFor(format, columns ?? []);
    if (format !== 'csv' || columns !== undefined) await put(frame.head());
  }
  await put(frame.tail());
}
