import { fail } from '../../common/errors.ts';
import type { ChunkSource } from './types.ts';

/**
 * UTF-8 text of a byte stream, chunk by chunk. A leading BOM is dropped; invalid UTF-8 is
 * refused rather than silently replaced, because a replaced byte would change what is hashed
 * or tokenized downstream without anyone noticing.
 */
export async function* decodeUtf8(source: ChunkSource): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  try {
    for await (const chunk of source) {
      let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      if (first && text.length > 0) {
        if (typeof chunk === 'string' && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      if (text.length > 0) yield text;
    }
    const rest = decoder.decode();
    if (rest.length > 0) yield rest;
  } catch (error) {
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      throw fail.validation('input is not valid UTF-8');
    }
    throw error;
  }
}
