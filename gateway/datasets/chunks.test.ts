import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openChunk, sealChunk, sealColumns } from './chunks.ts';
import { openColumns } from './columns.ts';
import type { DataRecord } from './records.ts';
import type { DatasetField } from './schemas.ts';

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

  it('keep numeric fields and subjects by column: numbers exact, missing values NaN, subjects as stored', () => {
    const fields: DatasetField[] = [
      { name: 'id', type: 'string', category: 'personal', subject: true },
      { name: 'amount', type: 'number', category: 'general' },
      { name: 'note', type: 'string', category: 'general' },
      { name: 'rate', type: 'number', category: 'general' },
    ] as DatasetField[];
    const records: DataRecord[] = [
      { id: '客户-1', amount: 12.5, note: 'x', rate: -0 },
      { id: null, amount: null, note: null, rate: 2 ** 53 },
      { id: 'c"3\n', note: 'only a note', rate: -1e-300 },
    ];
    const columns = openColumns(dek, 'ds', 'up', 7, sealColumns(dek, 'ds', 'up', 7, records, fields));
    expect(columns.rows).toBe(3);
    expect([...columns.numbers.keys()]).toEqual(['amount', 'rate']);
    expect([...columns.numbers.get('amount')!]).toEqual([12.5, NaN, NaN]);
    expect([...columns.numbers.get('rate')!]).toEqual([-0, 2 ** 53, -1e-300]);
    expect(columns.subjects).toEqual(['客户-1', null, 'c"3\n']);

    const sealed = sealColumns(dek, 'ds', 'up', 7, records, fields);
    expect(() => openColumns(dek, 'ds', 'up', 8, sealed)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    // A by-column copy never opens as records, nor records as a by-column copy.
    expect(() => openChunk(dek, 'ds', 'up', 7, sealed)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => openColumns(dek, 'ds', 'up', 7, sealChunk(dek, 'ds', 'up', 7, records))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
