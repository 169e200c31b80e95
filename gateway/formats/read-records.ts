import { readCsv } from './csv-reader.ts';
import { readJsonArray } from './json-array-reader.ts';
import { readNdjson } from './ndjson-reader.ts';
import type { ChunkSource, DataRecord, ReadOptions, RecordFormat } from './types.ts';

/** Batches of records from a byte or text stream in the given format, in bounded memory. */
export function readRecords(source: ChunkSource, format: RecordFormat, options: ReadOptions = {}): AsyncGenerator<DataRecord[]> {
  if (format === 'csv') return readCsv(source, options);
  return format === 'ndjson' ? readNdjson(source, options) : readJsonArray(source, options);
}
