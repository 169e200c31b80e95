import { describe, expect, it } from 'vitest';
import { keysA } from '../../test/support/desensitize.ts';
import { generate, prng } from '../discovery/labelled-corpus.ts';
import type { DataRecord } from '../formats/index.ts';
import { createDesensitizer } from './desensitizer.ts';
import { recipientFingerprintKey } from './keys.ts';
import { traceLeak } from './trace.ts';

const r = prng(99);
const source: DataRecord[] = Array.from({ length: 3000 }, (_, i) => ({
  id: generate.residentId(r),
  phone: generate.mobile(r).replace(/\D/g, '').slice(-11),
  name: generate.name(r),
  age: 18 + (i % 60),
  city: ['北京', '上海', '广州'][i % 3],
  note: 'n/a',
}));
const policy = {
  id: { transform: 'hash' },
  phone: { transform: 'mask' },
  name: { transform: 'simulate', type: 'name' },
  age: { transform: 'generalize', step: 10 },
  city: { transform: 'keep' },
  note: { transform: 'replace', value: '-' },
};
const recipients = Array.from({ length: 10 }, (_, i) => `recipient-${i}`);
const candidates = recipients.map((recipientId) => ({ recipientId, key: recipientFingerprintKey(keysA, recipientId) }));

function extractFor(recipientId: string): DataRecord[] {
  const d = createDesensitizer(policy, keysA, { fingerprint: { key: recipientFingerprintKey(keysA, recipientId), rate: 0.01 } });
  const out = d.transformAll(source);
  expect(d.stats().canaries).toBe(30);
  expect(out.length).toBe(source.length + 30);
  return out;
}

/** What a leaker might do: keep a random half of the rows, reorder them, drop and rename columns. */
function launder(rows: DataRecord[], drop: string[]): DataRecord[] {
  const rand = prng(7);
  return rows
    .filter(() => rand() < 0.5)
    .sort(() => rand() - 0.5)
    .map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !drop.includes(k)).map(([k, v]) => [`col_${k.length}${k}`, v])));
}

describe('leak tracing', () => {
  const extracts = new Map(recipients.map((id) => [id, extractFor(id)]));

  it('canary rows look like the rest: same columns, transformed the same way', () => {
    const rows = extracts.get('recipient-0')!;
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['id', 'phone', 'name', 'age', 'city', 'note']);
      expect(row.id).toMatch(/^[0-9a-f]{64}$/);
      expect(row.phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
      expect(row.age).toMatch(/^\d+-\d+$/);
      expect(row.note).toBe('-');
    }
  });

  it.each([
    ['recipient-3', ['city']],
    ['recipient-7', ['id', 'age']],
    ['recipient-0', ['phone', 'note', 'city']],
  ])('names %s from a shuffled half with columns %j dropped, and nobody else', (leaker, drop) => {
    const result = traceLeak(launder(extracts.get(leaker)!, drop), candidates);
    expect(result.recipientId).toBe(leaker);
    const others = result.candidates.filter((c) => c.recipientId !== leaker);
    // Naming needs 6 + log10(10 candidates).
    expect(Math.max(...others.map((c) => c.score))).toBeLessThan(7);
    expect(result.score).toBeGreaterThan(10);
  });

  it('names nobody for an extract without canaries', () => {
    const plain = createDesensitizer(policy, keysA).transformAll(source);
    const result = traceLeak(launder(plain, []), candidates);
    expect(result.recipientId).toBeUndefined();
  });

  it('plants no canaries in transfers too small to hide them', () => {
    const d = createDesensitizer(policy, keysA, { fingerprint: { key: candidates[0]!.key } });
    expect(d.transformBatch(source.slice(0, 20)).length).toBe(20);
    expect(d.stats().canaries).toBe(0);
  });
});
