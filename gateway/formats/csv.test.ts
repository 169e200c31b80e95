import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../common/index.ts';
import { chunked, collect } from '../../test/support/formats.ts';
import { readCsv } from './csv-reader.ts';
import { writeRecords } from './write-records.ts';
import { csvField, csvSerializer } from './writers.ts';

const tricky = [
  'name,note,city',
  '张三丰,"said ""hi"", then left",北京',
  '"multi',
  'line",plain,"with,comma"',
  'emoji 😀,,""',
].join('\r\n');

const expected = [
  { name: '张三丰', note: 'said "hi", then left', city: '北京' },
  { name: 'multi\r\nline', note: 'plain', city: 'with,comma' },
  { name: 'emoji 😀', note: '', city: '' },
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

describe('readCsv', () => {
  it.each([1, 2, 3, 7, 64, 1 << 16])('parses quoted fields, CJK and emoji in %i-byte chunks', async (size) => {
    expect(await collect(readCsv(chunked(tricky, size)))).toEqual(expected);
  });

  it('accepts LF, lone CR, a BOM, a missing final newline and blank lines', async () => {
    const text = '\uFEFFa,b\n1,2\r3,4\n\n5,6';
    expect(await collect(readCsv(chunked(text, 3)))).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
      { a: '5', b: '6' },
    ]);
  });

  it('accepts string chunks with a BOM', async () => {
    async function* strings() {
      yield '\uFEFFx\n';
      yield '1\n';
    }
    expect(await collect(readCsv(strings()))).toEqual([{ x: '1' }]);
  });

  it('yields batches of at most batchSize', async () => {
    const text = 'n\n' + Array.from({ length: 2500 }, (_, i) => String(i)).join('\n');
    const sizes: number[] = [];
    for await (const batch of readCsv(chunked(text, 1 << 16), { batchSize: 1000 })) sizes.push(batch.length);
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it('reports a short row by row and line, without its content', async () => {
    const err = await failure(collect(readCsv(chunked('a,b\n"x\ny",1\nSECRET-VALUE\n', 4))));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual({ row: 2, line: 4, expected: 2, found: 1 });
    expect(JSON.stringify(err)).not.toContain('SECRET');
  });

  it.each([
    ['an unterminated quote', 'a\n"SECRET', { line: 2 }],
    ['a stray quote', 'a\nSE"CRET\n', { line: 2 }],
    ['text after a closing quote', 'a\n"SE"CRET\n', { line: 2 }],
    ['a duplicate header', 'a,a\n1,2\n', { column: 2 }],
    ['a reserved header', '__proto__\n1\n', { column: 1 }],
  ])('refuses %s', async (_, text, details) => {
    const err = await failure(collect(readCsv(chunked(text, 5))));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual(details);
    expect(err.message).not.toContain('SECRET');
  });

  it('refuses invalid UTF-8 and empty input', async () => {
    expect((await failure(collect(readCsv(chunked(Uint8Array.of(0x61, 0x0a, 0xff, 0x0a), 2))))).code).toBe('VALIDATION_FAILED');
    expect((await failure(collect(readCsv(chunked('', 2))))).details).toEqual({ line: 1 });
  });

  it('bounds the size of one record', async () => {
    const err = await failure(collect(readCsv(chunked('a\n"' + 'x'.repeat(5000), 100), { maxRecordChars: 1000 })));
    expect(err.details).toEqual({ line: 2, limit: 1000 });
  });

  it('reads a 1 MB field', async () => {
    const big = '长'.repeat(1 << 20);
    expect(await collect(readCsv(chunked(`v\n"${big}"\n`, 1 << 16)))).toEqual([{ v: big }]);
  });
});

describe('readCsv on random input', () => {
  /** Deterministic random CSV with quotes, escaped quotes, embedded separators and all line endings. */
  function randomCsv(seed: number, rows: number): string {
    let a = seed;
    const next = (n: number) => {
      a = (a * 1103515245 + 12345) % 2147483648;
      return a % n;
    };
    const pieces = ['a', '张', '😀', ',', '"', '\n', '\r\n', ' ', 'x1'];
    const field = () => {
      const text = Array.from({ length: next(5) }, () => pieces[next(pieces.length)]).join('');
      return /[",\r\n]/.test(text) || next(4) === 0 ? `"${text.replaceAll('"', '""')}"` : text;
    };
    const eols = ['\n', '\r\n', '\r'];
    return ['h1,h2,h3', ...Array.from({ length: rows }, () => [field(), field(), field()].join(','))].map((l) => l + eols[next(3)]).join('');
  }

  it.each([1, 2, 3, 4, 5])('gives the same records for every chunking (seed %i)', async (seed) => {
    const text = randomCsv(seed, 300);
    const whole = await collect(readCsv(chunked(text, 1 << 20)));
    expect(whole.length).toBeGreaterThan(250);
    for (const size of [1, 2, 3, 5, 8, 13, 64]) expect(await collect(readCsv(chunked(text, size)))).toEqual(whole);
    // Written back, the records read the same, but for cells a spreadsheet would run as a
    // formula (here: those starting with CR), which gain the leading apostrophe.
    const serializer = csvSerializer(['h1', 'h2', 'h3']);
    const neutralized = whole.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && v.startsWith('\r') ? `'${v}` : v])));
    expect(neutralized).not.toEqual(whole);
    expect(await collect(readCsv(chunked(serializer.head() + serializer.batch(whole), 7)))).toEqual(neutralized);
  });
});

describe('CSV writing', () => {
  it('quotes only when needed and renders absent values as empty', () => {
    expect([csvField('plain'), csvField('a,b'), csvField('say "x"'), csvField('l1\nl2'), csvField(null), csvField(3), csvField({ a: 1 })]).toEqual([
      'plain',
      '"a,b"',
      '"say ""x"""',
      '"l1\nl2"',
      '',
      '3',
      '"{""a"":1}"',
    ]);
  });

  it('round-trips through the reader', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await writeRecords([expected], out, 'csv');
    out.end();
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.startsWith('name,note,city\r\n')).toBe(true);
    expect(await collect(readCsv(chunked(text, 5)))).toEqual(expected);
  });

  it('writes only a header when there are no records but columns are known', async () => {
    const out = new PassThrough();
    await writeRecords([], out, 'csv', { columns: ['a', 'b'] });
    out.end();
    expect(out.read().toString()).toBe('a,b\r\n');
  });
});
