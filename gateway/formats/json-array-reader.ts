import { fail } from '../../common/errors.ts';
import { Batcher } from './batching.ts';
import { decodeUtf8 } from './decode.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_RECORD_CHARS, type ChunkSource, type DataRecord, type ReadOptions } from './types.ts';

const enum Phase {
  BeforeArray,
  BeforeElement,
  InElement,
  AfterElement,
  Done,
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Records of one top-level JSON array of objects, in bounded memory: a scanner tracks string
 * and nesting state to find where each element ends, and only that element's text is held and
 * handed to `JSON.parse`. Errors name the element's index (0-based), never its content.
 */
export async function* readJsonArray(source: ChunkSource, options: ReadOptions = {}): AsyncGenerator<DataRecord[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  let phase: Phase = Phase.BeforeArray as Phase;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let pieces: string[] = [];
  let held = 0;
  let element = 0;
  const batches = new Batcher<DataRecord>(batchSize);

  const finish = (text: string): void => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw fail.validation('JSON: element is not valid JSON', { element });
    }
    batches.push(value as DataRecord);
    element++;
  };

  for await (const text of decodeUtf8(source)) {
    const n = text.length;
    let start = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (phase === Phase.InElement) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) {
          inString = true;
        } else if (c === 0x7b || c === 0x5b) {
          depth++;
        } else if (c === 0x7d || c === 0x5d) {
          if (--depth === 0) {
            const tail = text.slice(start, i + 1);
            finish(pieces.length === 0 ? tail : pieces.join('') + tail);
            pieces = [];
            held = 0;
            phase = Phase.AfterElement;
          }
        }
      } else if (isSpace(c)) {
        continue;
      } else if (phase === Phase.BeforeArray) {
        if (c !== 0x5b) throw fail.validation('JSON: input is not an array');
        phase = Phase.BeforeElement;
      } else if (phase === Phase.BeforeElement) {
        if (c === 0x5d && element === 0) {
          phase = Phase.Done;
        } else if (c === 0x7b) {
          phase = Phase.InElement;
          depth = 1;
          start = i;
        } else {
          throw fail.validation('JSON: array element is not an object', { element });
        }
      } else if (phase === Phase.AfterElement) {
        if (c === 0x2c) phase = Phase.BeforeElement;
        else if (c === 0x5d) phase = Phase.Done;
        else throw fail.validation('JSON: expected "," or "]" after an element', { element: element - 1 });
      } else {
        throw fail.validation('JSON: content after the closing bracket');
      }
    }
    if (phase === Phase.InElement) {
      pieces.push(text.slice(start));
      held += n - start;
      if (held > maxChars) throw fail.validation('JSON: element exceeds the size limit', { element, limit: maxChars });
    }
    yield* batches.takeFull();
  }
  if (phase !== Phase.Done) throw fail.validation('JSON: array is not closed', { element });
  yield* batches.takeRest();
}
