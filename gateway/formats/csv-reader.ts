import { fail } from '../../common/errors.ts';
import { Batcher } from './batching.ts';
import { CsvTokenizer } from './csv-tokenizer.ts';
import { decodeUtf8 } from './decode.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_RECORD_CHARS, RESERVED_FIELD_NAMES, type ChunkSource, type DataRecord, type ReadOptions } from './types.ts';

/**
 * Records of a CSV file whose first row names the fields. Every value is a string (an empty
 * field is `''`); typing is the caller's business. Blank lines are skipped. A row with a
 * different number of fields than the header is refused with its row and line numbers.
 */
export async function* readCsv(source: ChunkSource, options: ReadOptions = {}): AsyncGenerator<DataRecord[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let header: string[] | undefined;
  let row = 0;
  const batches = new Batcher<DataRecord>(batchSize);
  const tokenizer = new CsvTokenizer((fields, line) => {
    if (fields.length === 1 && fields[0] === '') return;
    if (header === undefined) {
      header = checkHeader(fields);
      return;
    }
    row++;
    if (fields.length !== header.length) {
      throw fail.validation('CSV: row has the wrong number of fields', { row, line, expected: header.length, found: fields.length });
    }
    const record: DataRecord = {};
    for (let i = 0; i < fields.length; i++) record[header[i]!] = fields[i];
    batches.push(record);
  }, options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS);

  for await (const text of decodeUtf8(source)) {
    tokenizer.write(text);
    yield* batches.takeFull();
  }
  tokenizer.end();
  if (header === undefined) throw fail.validation('CSV: missing header row', { line: 1 });
  yield* batches.takeRest();
}

function checkHeader(fields: string[]): string[] {
  const seen = new Set<string>();
  fields.forEach((name, index) => {
    if (RESERVED_FIELD_NAMES.has(name)) throw fail.validation('CSV: reserved field name in header', { column: index + 1 });
    if (seen.has(name)) throw fail.validation('CSV: duplicate field name in header', { column: index + 1 });
    seen.add(name);
  });
  return fields;
}
