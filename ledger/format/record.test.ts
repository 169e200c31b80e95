import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { checkRecord, decodeStoredRecord, encodeStoredRecord, MAX_RECORD_BYTES, parseRecord, RECORD_TYPES, type LedgerRecord } from './index.ts';

/** An independent RFC 8785 implementation. */
const canonicalizeReference = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string | undefined;

const record = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'rcpt-1',
  type: 'transfer.receipt',
  timestamp: '2026-11-26T01:00:00.000Z',
  contractId: 'ctr-1',
  exporterId: 'exp-1',
  data: { digest: 'ab'.repeat(32), rows: 120, nested: [{ a: null, b: true }] },
  ...overrides,
});

const problemOf = (value: unknown): string | undefined => checkRecord(value).problem;

describe('ledger record format', () => {
  it('accepts a record as a copy with its RFC 8785 form, equal to an independent canonicalizer', () => {
    const input = record({ contractId: undefined });
    const check = checkRecord(input);
    if (check.problem !== undefined) throw new Error(check.problem);
    expect(check.record).toEqual({ id: 'rcpt-1', type: 'transfer.receipt', timestamp: '2026-11-26T01:00:00.000Z', exporterId: 'exp-1', data: input.data });
    expect(Object.keys(check.record)).not.toContain('contractId');
    expect(check.canonical).toBe(canonicalizeReference(input));
  });

  it('accepts every listed type and nothing else', () => {
    for (const type of RECORD_TYPES) expect(problemOf(record({ type }))).toBeUndefined();
    for (const type of ['transfer.sent', 'Transfer.Receipt', '', 7]) expect(problemOf(record({ type }))).toMatch(/record\.type/);
  });

  it('accepts real calendar dates only: no 30 February, no hour 24, no offset', () => {
    for (const timestamp of ['2024-02-29T00:00:00Z', '2026-12-31T23:59:59.999999999Z']) expect(problemOf(record({ timestamp }))).toBeUndefined();
    for (const timestamp of ['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2026-04-31T12:00:00Z', '2026-11-26T24:00:00Z', '2026-13-01T00:00:00Z', '2026-11-26T09:00:00+08:00', '2026-11-26 01:00:00Z']) {
      expect(problemOf(record({ timestamp })), timestamp).toMatch(/record\.timestamp/);
    }
  });

  it('takes identifiers of 1-256 characters without control characters or U+10FFFF, which Fabric reserves', () => {
    expect(problemOf(record({ id: 'x'.repeat(256), contractId: 'c'.repeat(256) }))).toBeUndefined();
    for (const id of ['', 'x'.repeat(257), 'a\nb', 'a\u0000b', 'a\u007fb', 'a\u{10ffff}b', 7]) expect(problemOf(record({ id }))).toMatch(/record\.id/);
    expect(problemOf(record({ exporterId: 'a\u{10ffff}' }))).toMatch(/record\.exporterId/);
  });

  it('refuses unknown fields, non-JSON data and lone surrogates, naming fields but never values', () => {
    const secret = 'SECRET-13800138000';
    const bad: unknown[] = [
      null,
      [record()],
      record({ extra: secret }),
      record({ data: [secret] }),
      record({ data: { note: secret, n: Number.POSITIVE_INFINITY } }),
      record({ data: { note: secret, when: new Date() } }),
      record({ data: { note: `${secret}\ud800` } }),
      record({ data: JSON.parse(`${'['.repeat(40)}"${secret}"${']'.repeat(40)}`) as unknown }),
    ];
    for (const value of bad) {
      const problem = problemOf(value);
      expect(problem).toBeDefined();
      expect(problem).not.toContain(secret);
    }
  });

  it('flags a record past MAX_RECORD_BYTES of canonical JSON as too large, and one at the limit as fine', () => {
    const base = checkRecord(record({ data: { blob: '' } }));
    if (base.problem !== undefined) throw new Error(base.problem);
    const room = MAX_RECORD_BYTES - Buffer.byteLength(base.canonical);
    expect(checkRecord(record({ data: { blob: 'x'.repeat(room) } })).problem).toBeUndefined();
    expect(checkRecord(record({ data: { blob: 'x'.repeat(room + 1) } }))).toEqual({ problem: expect.stringMatching(/at most/), tooLarge: true });
  });

  it('stores a record with its transaction canonically, and reads back only what validates', () => {
    const parsed = parseRecord(record()) as LedgerRecord;
    const text = encodeStoredRecord({ record: parsed, txId: 'tx-9' });
    expect(text).toBe(canonicalizeReference({ record: record(), txId: 'tx-9' }));
    expect(decodeStoredRecord(text)).toEqual({ record: parsed, txId: 'tx-9' });
    expect(() => decodeStoredRecord(JSON.stringify({ record: record() }))).toThrow(/^sluice:invalid /);
    expect(() => decodeStoredRecord(JSON.stringify({ record: record({ timestamp: '2024-02-30T00:00:00Z' }), txId: 'tx-9' }))).toThrow(/^sluice:invalid record\.timestamp/);
  });
});
