import { describe, expect, it } from 'vitest';
import type { DataRecord } from '../../formats/index.ts';
import { decodeBatch, encodeBatch } from './batch-codec.ts';

describe('batch codec', () => {
  it('carries strings exactly and other JSON values as themselves; a missing field arrives as null', () => {
    const columns = ['s', 'n', 'constructor', 'o'];
    const records: DataRecord[] = [
      { s: '张三,"q"\r\n😀', n: 0.1, o: { deep: [1, 'x', null], __proto__x: true } },
      { s: '', n: -12, constructor: 'own', o: null },
      { s: '{"looks":"like json"}', n: 1e21, o: [true, false] },
      { n: true },
    ];
    expect(decodeBatch(encodeBatch(records, columns), columns)).toEqual([
      { s: '张三,"q"\r\n😀', n: 0.1, constructor: null, o: { deep: [1, 'x', null], __proto__x: true } },
      { s: '', n: -12, constructor: 'own', o: null },
      { s: '{"looks":"like json"}', n: 1e21, constructor: null, o: [true, false] },
      { s: null, n: true, constructor: null, o: null },
    ]);
  });

  it('keeps the row count when no field is delivered', () => {
    expect(decodeBatch(encodeBatch([{ a: 1 }, { a: 2 }], []), [])).toEqual([{}, {}]);
  });
});
