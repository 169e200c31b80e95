import { PassThrough, type Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DataRecord, RecordFormat } from './types.ts';
import { writeBatchTexts, writeRecords } from './write-records.ts';
import { batchTextFor } from './writers.ts';

async function written(write: (out: Writable) => Promise<unknown>): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

const batches: DataRecord[][] = [
  [{ a: 'x,y', b: 1 }, { a: '张', b: null }],
  [{ a: 'say "hi"', b: { n: [1, 2] } }],
  [{ a: '', b: true }],
];

describe('batch texts', () => {
  it.each(['csv', 'ndjson', 'json-array'] as RecordFormat[])('%s: texts made apart (as text or UTF-8) and framed in order equal writeRecords', async (format) => {
    const columns = ['a', 'b'];
    const expected = await written((out) => writeRecords(batches, out, format, { columns }));
    const text = batchTextFor(format, columns);
    const texts = batches.map((batch, i) => (i % 2 === 0 ? text(batch) : new TextEncoder().encode(text(batch))));
    expect(await written((out) => writeBatchTexts(texts, out, format, columns))).toBe(expected);
  });

  it.each([
    ['csv', 'a,b\r\n'],
    ['ndjson', ''],
    ['json-array', '[]\n'],
  ] as [RecordFormat, string][])('%s: no texts gives what writeRecords gives for no records', async (format, empty) => {
    expect(await written((out) => writeBatchTexts([], out, format, ['a', 'b']))).toBe(empty);
    expect(await written((out) => writeRecords([], out, format, { columns: ['a', 'b'] }))).toBe(empty);
  });
});
