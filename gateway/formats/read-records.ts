import { formatFromName, sniffFormat } from './detect.ts';
import { readCsv } from './csv-reader.ts';
import { readJsonArray } from './json-array-reader.ts';
import { readNdjson } from './ndjson-reader.ts';
import type { ChunkSource, DataRecord, ReadOptions, RecordFormat } from './types.ts';

/** Batches of records from a byte or text stream in the given format, in bounded memory. */
export function readRecords(source: ChunkSource, format: RecordFormat, options: ReadOptions = {}): AsyncGenerator<DataRecord[]> {
  if (format === 'csv') return readCsv(source, options);
  return format === 'ndjson' ? readNdjson(source, options) : readJsonArray(source, options);
}

/**
 * Batches of records in the format a file name announces, or, failing that, the one its first
 * character suggests (see `sniffFormat`) — for stdin and unnamed files.
 */
export async function openRecords(
  source: ChunkSource,
  options: ReadOptions & { name?: string } = {},
): Promise<{ format: RecordFormat; batches: AsyncGenerator<DataRecord[]> }> {
  const named = options.name === undefined ? undefined : formatFromName(options.name);
  if (named !== undefined) return { format: named, batches: readRecords(source, named, options) };
  const sniffed = await sniffFormat(source);
  return { format: sniffed.format, batches: readRecords(sniffed.source, sniffed.format, options) };
}
