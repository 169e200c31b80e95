import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { serializerFor, type RecordSerializer } from './writers.ts';
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
  const put = async (text: string): Promise<void> => {
    if (text.length > 0 && !out.write(text)) await once(out, 'drain');
  };
  let serializer: RecordSerializer | undefined;
  let count = 0;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    if (serializer === undefined) {
      serializer = serializerFor(format, options.columns ?? Object.keys(batch[0]!));
      await put(serializer.head());
    }
    count += batch.length;
    await put(serializer.batch(batch));
  }
  if (serializer === undefined) {
    serializer = serializerFor(format, options.columns ?? []);
    if (format !== 'csv' || options.columns !== undefined) await put(serializer.head());
  }
  await put(serializer.tail());
  return count;
}
