import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../common/index.ts';
import { chunked, collect } from '../../test/support/formats.ts';
import { readJsonArray } from './json-array-reader.ts';
import { readNdjson } from './ndjson-reader.ts';
import { writeRecords } from './write-records.ts';

const records = [
  { name: '张三丰', n: 1, nested: { a: [1, { b: '}' }] } },
  { name: 'quote " and \\ backslash ]', n: null },
  { name: '😀', ok: true },
];

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isSluiceError(error)) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('readNdjson', () => {
  it.each([1, 3, 17, 1 << 16])('reads objects in %i-byte chunks with CRLF and blank lines', async (size) => {
    const text = records.map((r) => JSON.stringify(r)).join('\r\n\n') + '\n';
    expect(await collect(readNdjson(chunked(text, size)))).toEqual(records);
  });

  it('reads a last line without newline and a 1 MB value', async () => {
    const big = 'x'.repeat(1 << 20);
    expect(await collect(readNdjson(chunked(`{"a":1}\n{"v":"${big}"}`, 1 << 14)))).toEqual([{ a: 1 }, { v: big }]);
  });

  it.each([
    ['invalid JSON', '{"a":1}\n{"a":"SECRET\n', { line: 2 }],
    ['a non-object', '{"a":1}\n\n["SECRET"]\n', { line: 3 }],
  ])('refuses %s by line number only', async (_, text, details) => {
    const err = await failure(collect(readNdjson(chunked(text, 4))));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual(details);
    expect(JSON.stringify(err)).not.toContain('SECRET');
  });

  it('bounds the size of one line', async () => {
    const err = await failure(collect(readNdjson(chunked('{"a":"' + 'x'.repeat(5000), 100), { maxRecordChars: 1000 })));
    expect(err.details).toEqual({ line: 1, limit: 1000 });
  });
});

describe('readJsonArray', () => {
  it.each([1, 2, 5, 1 << 16])('streams elements in %i-byte chunks', async (size) => {
    const text = ' [\n' + records.map((r) => JSON.stringify(r)).join(' ,\n') + '\n] \n';
    expect(await collect(readJsonArray(chunked(text, size)))).toEqual(records);
  });

  it('reads an empty array', async () => {
    expect(await collect(readJsonArray(chunked('[ ]', 1)))).toEqual([]);
  });

  it.each([
    ['a non-array', '{"a":1}', undefined],
    ['a non-object element', '[{"a":1}, "SECRET"]', { element: 1 }],
    ['a broken element', '[{"a":1}, {"a": SECRET}]', { element: 1 }],
    ['a missing comma', '[{"a":1} {"a":2}]', { element: 0 }],
    ['an unclosed array', '[{"a":1},', { element: 1 }],
    ['trailing content', '[{"a":1}] x', undefined],
    ['a trailing comma', '[{"a":1},]', { element: 1 }],
  ])('refuses %s', async (_, text, details) => {
    const err = await failure(collect(readJsonArray(chunked(text, 3))));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual(details);
    expect(JSON.stringify(err)).not.toContain('SECRET');
  });

  it('holds one element at a time: the size limit applies per element', async () => {
    const many = '[' + Array.from({ length: 2000 }, () => '{"v":"' + 'x'.repeat(100) + '"}').join(',') + ']';
    expect((await collect(readJsonArray(chunked(many, 4096), { maxRecordChars: 200 }))).length).toBe(2000);
    const err = await failure(collect(readJsonArray(chunked('[{"v":"' + 'x'.repeat(500) + '"}]', 50), { maxRecordChars: 200 })));
    expect(err.details).toEqual({ element: 0, limit: 200 });
  });
});

describe('JSON writers', () => {
  it.each(['ndjson', 'json-array'] as const)('%s round-trips', async (format) => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeRecords([records.slice(0, 2), records.slice(2)], out, format);
    out.end();
    const text = Buffer.concat(chunks).toString('utf8');
    const read = format === 'ndjson' ? readNdjson : readJsonArray;
    expect(await collect(read(chunked(text, 7)))).toEqual(records);
  });

  it('writes an empty JSON array for no records', async () => {
    const out = new PassThrough();
    await writeRecords([], out, 'json-array');
    out.end();
    expect(JSON.parse(out.read().toString())).toEqual([]);
  });
});
