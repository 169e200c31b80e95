import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openChunk, sealChunk } from './chunks.ts';
import type { DataRecord } from './records.ts';

describe('dataset chunks at rest', () => {
  const dek = randomBytes(16);

  it('give back exactly the records sealed, whatever characters their values hold', () => {
    const records: DataRecord[] = [
      { note: 'line one\nline two\r\n', n: 1 },
      { note: '],[{"x":1}', n: -2.5 },
      { note: '\u2028\u2029 ‘中文’ \u0000', n: null },
      {},
      { slash: '\\n', ok: true },
    ];
    expect(openChunk(dek, 'ds', 'up', 3, sealChunk(dek, 'ds', 'up', 3, records))).toEqual(records);
    expect(openChunk(dek, 'ds', 'up', 0, sealChunk(dek, 'ds', 'up', 0, []))).toEqual([]);
  });

  it('refuse a chunk moved to another place or altered', () => {
    const sealed = sealChunk(dek, 'ds', 'up', 1, [{ v: 1 }]);
    expect(() => openChunk(dek, 'ds', 'up', 2, sealed)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    const altered = Uint8Array.from(sealed);
    altered[altered.length - 20]! ^= 1;
    expect(() => openChunk(dek, 'ds', 'up', 1, altered)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
