/** Streaming record formats (CSV, NDJSON, JSON array) shared by uploads and the CLI. */
export { openRecords, readRecords } from './read-records.ts';
export { readJsonFile } from './json-file.ts';
export { readCsv } from './csv-reader.ts';
export { parseOwnNdjson, readNdjson } from './ndjson-reader.ts';
export { readJsonArray } from './json-array-reader.ts';
export { writeBatchTexts, writeRecords, type WriteOptions } from './write-records.ts';
export {
  batchTextFor,
  csvField,
  csvSerializer,
  jsonArraySerializer,
  ndjsonSerializer,
  serializerFor,
  type BatchText,
  type RecordSerializer,
} from './writers.ts';
export { formatFromContent, formatFromName, sniffFormat } from './detect.ts';
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_RECORD_CHARS,
  RESERVED_FIELD_NAMES,
  type ChunkSource,
  type DataRecord,
  type ReadOptions,
  type RecordFormat,
} from './types.ts';
export { createFileSink, readFileChunks } from './file-io.ts';
