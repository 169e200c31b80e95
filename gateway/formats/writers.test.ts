import { PassThrough, type Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DataRecord, RecordFormat } from './types.ts';
import { writeBatchTexts, writeRecords } from './write-records.ts';
import { batchTextFor, csvField } from './writers.ts';

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

describe('CSV injection (OWASP)', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['+cmd|calc', "'+cmd|calc"],
    ['-2+3', "'-2+3"],
    ['\tTAB', "'\tTAB"],
    ['\r=1', `"'\r=1"`],
    ['=1,2', `"'=1,2"`],
  ])('neutralizes %j as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it.each([['-12.5'], ['+86'], ['-1e3'], ['.5'], ['a=b'], ['hello'], ['']])('leaves %j as it is', (value) => {
    expect(csvField(value)).toBe(value);
  });

  it('leaves numbers as numbers and neutralizes header cells too', async () => {
    expect(csvField(-7)).toBe('-7');
    expect(csvField(-0.25)).toBe('-0.25');
    const out = await written((stream) => writeRecords([[{ '=x': '@y', n: -3 }]], stream, 'csv'));
    expect(out).toBe("'=x,n\r\n'@y,-3\r\n");
  });
});
