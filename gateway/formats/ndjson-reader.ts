import { fail } from '../../common/errors.ts';
import { Batcher } from './batching.ts';
import { decodeUtf8 } from './decode.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_RECORD_CHARS, type ChunkSource, type DataRecord, type ReadOptions } from './types.ts';

/**
 * Records of newline-delimited JSON: one object per line, blank lines skipped, CRLF accepted.
 * Parse errors report the line number only: V8's JSON messages quote the input.
 */
export async function* readNdjson(source: ChunkSource, options: ReadOptions = {}): AsyncGenerator<DataRecord[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  // A line split across chunks is kept as pieces and joined once, so a long line costs O(length).
  let pieces: string[] = [];
  let pending = 0;
  let line = 0;
  const batches = new Batcher<DataRecord>(batchSize);

  const take = (text: string): void => {
    line++;
    const record = parseLine(text, line);
    if (record !== undefined) batches.push(record);
  };

  for await (const text of decodeUtf8(source)) {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      const head = text.slice(from, nl);
      take(pieces.length === 0 ? head : pieces.join('') + head);
      pieces = [];
      pending = 0;
      from = nl + 1;
    }
    if (from < text.length) {
      pieces.push(text.slice(from));
      pending += text.length - from;
      if (pending > maxChars) throw fail.validation('NDJSON: record exceeds the size limit', { line: line + 1, limit: maxChars });
    }
    yield* batches.takeFull();
  }
  if (pieces.length > 0) take(pieces.join(''));
  yield* batches.takeRest();
}

function parseLine(text: string, line: number): DataRecord | undefined {
  const body = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (body.trim().length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw fail.validation('NDJSON: line is not valid JSON', { line });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fail.validation('NDJSON: line is not a JSON object', { line });
  }
  return value as DataRecord;
}

/**
 * Records of NDJSON this program wrote itself (`JSON.stringify` per record, joined by "\n"): a
 * serialized record never holds a raw newline, so the newlines are the separators, and one parse
 * of the lines as an array is ~30 % cheaper than a parse per line.
 */
export function parseOwnNdjson(text: string): DataRecord[] {
  return text.length === 0 ? [] : (JSON.parse(`[${text.replaceAll('\n', ',')}]`) as DataRecord[]);
}
