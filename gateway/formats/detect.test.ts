import { describe, expect, it } from 'vitest';
import { chunked } from '../../test/support/formats.ts';
import { formatFromContent, formatFromName, sniffFormat } from './detect.ts';

describe('format detection', () => {
  it('reads the extension', () => {
    expect([formatFromName('a.CSV'), formatFromName('x/y.ndjson'), formatFromName('b.jsonl'), formatFromName('c.json'), formatFromName('d.txt'), formatFromName('e')]).toEqual([
      'csv',
      'ndjson',
      'ndjson',
      'json-array',
      undefined,
      undefined,
    ]);
  });

  it('guesses from the first non-blank character', () => {
    expect([formatFromContent('\uFEFF {"a":1}'), formatFromContent('\n[{"a":1}]'), formatFromContent('a,b')]).toEqual(['ndjson', 'json-array', 'csv']);
  });

  it('replays what it consumed while sniffing', async () => {
    const { format, source } = await sniffFormat(chunked('   \n\n{"a":1}\n', 2));
    const parts: Uint8Array[] = [];
    for await (const c of source) parts.push(c as Uint8Array);
    expect(format).toBe('ndjson');
    expect(Buffer.concat(parts).toString()).toBe('   \n\n{"a":1}\n');
  });
});
