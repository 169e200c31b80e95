import { fail } from '../../common/errors.ts';
import type { ChunkSource, RecordFormat } from './types.ts';

const BY_EXTENSION: Record<string, RecordFormat> = {
  csv: 'csv',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  json: 'json-array',
};

/** The format a file name announces, if any (`.csv`, `.ndjson`/`.jsonl`, `.json`). */
export function formatFromName(name: string): RecordFormat | undefined {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? undefined : BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}

/**
 * Guesses from the first non-blank character: `{` starts NDJSON, `[` a JSON array; anything
 * else is taken as CSV (a CSV header cannot start with either without quoting).
 */
export function formatFromContent(head: string): RecordFormat {
  const trimmed = head.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{')) return 'ndjson';
  if (trimmed.startsWith('[')) return 'json-array';
  return 'csv';
}

/**
 * Reads just enough of a stream to see its first non-blank character and returns the guessed
 * format together with a source that replays what was consumed, so stdin can be sniffed.
 */
export async function sniffFormat(source: ChunkSource): Promise<{ format: RecordFormat; source: ChunkSource }> {
  const iterator = (async function* () {
    yield* source;
  })();
  const seen: (Uint8Array | string)[] = [];
  let head = '';
  let done = false;
  while (head.trim().replace(/^\uFEFF/, '').length === 0) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    head += typeof next.value === 'string' ? next.value : Buffer.from(next.value).toString('utf8');
    if (head.length > 1024 * 1024) throw fail.validation('input starts with more than 1 MiB of blank space');
  }
  async function* replay(): AsyncGenerator<Uint8Array | string> {
    yield* seen;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { format: formatFromContent(head), source: replay() };
}
