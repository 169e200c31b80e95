import { describe, expect, it } from 'vitest';
import { keysA } from '../../test/support/desensitize.ts';
import { createDesensitizer } from './desensitizer.ts';
import { desensitizeStream } from './stream.ts';
import { createFieldEncryptor } from './transforms/field-encryption.ts';

describe('createDesensitizer', () => {
  it('delivers listed fields in policy order, drops the rest and aggregate fields', () => {
    const d = createDesensitizer({ b: { transform: 'keep' }, total: { transform: 'aggregate' }, a: { transform: 'nullify' } }, keysA);
    expect(d.columns).toEqual(['b', 'a']);
    const [row] = d.transformBatch([{ a: 'x', b: 'y', total: 5, secret: 'z' }]);
    expect(row).toEqual({ b: 'y', a: null });
    expect(Object.keys(row!)).toEqual(['b', 'a']);
  });

  it('reads only own fields: a missing field named like a prototype member is null', () => {
    const d = createDesensitizer({ constructor: { transform: 'keep' }, toString: { transform: 'hash' } }, keysA);
    expect(d.transformBatch([{}])).toEqual([{ constructor: null, toString: null }]);
  });

  it('shuffles a column across exactly the records passed, keeping its values', () => {
    const d = createDesensitizer({ id: { transform: 'keep' }, v: { transform: 'shuffle' } }, keysA);
    const input = Array.from({ length: 500 }, (_, i) => ({ id: i, v: `v${i}` }));
    const out = d.transformAll(input);
    expect(out.map((r) => r.id)).toEqual(input.map((r) => r.id));
    expect(out.map((r) => r.v).sort()).toEqual(input.map((r) => r.v).sort());
    expect(out.filter((r, i) => r.v === input[i]!.v).length).toBeLessThan(20);
  });

  it('counts records and values delivered as null because they were unusable', () => {
    const d = createDesensitizer({ age: { transform: 'generalize', step: 10 } }, keysA);
    d.transformBatch([{ age: 'n/a' }, { age: 31 }]);
    d.transformBatch([{ age: {} }]);
    expect(d.stats()).toEqual({ records: 3, nulled: { age: 2 }, canaries: 0 });
  });
});

describe('canary values never leave in clear', () => {
  const canaries = ['CANARY-7f3a9c', '13912345678', '11010519491231002X', '张三丰', 'canary@example.com'];
  const policy = {
    h: { transform: 'hash' },
    m: { transform: 'mask', keepStart: 0, keepEnd: 0 },
    e: { transform: 'encrypt' },
    t: { transform: 'tokenize' },
    s: { transform: 'simulate', type: 'name' },
    n: { transform: 'nullify' },
    a: { transform: 'aggregate' },
  };

  it('for hash, mask, encrypt, tokenize, simulate, nullify and aggregate', () => {
    const d = createDesensitizer(policy, keysA, { encryptor: createFieldEncryptor('SM4', new Uint8Array(16).fill(9), 'k') });
    const input = canaries.map((c) => ({ h: c, m: c, e: c, t: c, s: c, n: c, a: c, unlisted: c }));
    const text = JSON.stringify(d.transformBatch(input));
    const decoded = text + Buffer.from(text).toString('base64');
    for (const canary of canaries) {
      expect(text).not.toContain(canary);
      expect(decoded).not.toContain(canary);
      for (const piece of [canary.slice(0, 6), canary.slice(-6)]) expect(text).not.toContain(piece);
    }
  });
});

describe('desensitizeStream', () => {
  async function* batches(n: number, size: number) {
    for (let i = 0; i < n; i += size) yield Array.from({ length: Math.min(size, n - i) }, (_, j) => ({ id: i + j, v: i + j }));
  }

  it('passes batches through one by one without shuffle', async () => {
    const d = createDesensitizer({ id: { transform: 'keep' } }, keysA);
    const sizes: number[] = [];
    for await (const b of desensitizeStream(batches(2500, 1000), d)) sizes.push(b.length);
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it('shuffles within windows across batch boundaries', async () => {
    const d = createDesensitizer({ id: { transform: 'keep' }, v: { transform: 'shuffle' } }, keysA);
    const out: { id: unknown; v: unknown }[][] = [];
    for await (const b of desensitizeStream(batches(2500, 100), d, { shuffleWindow: 1000 })) out.push(b as { id: unknown; v: unknown }[]);
    expect(out.map((b) => b.length)).toEqual([1000, 1000, 500]);
    out.forEach((window, w) => {
      const values = window.map((r) => r.v as number).sort((x, y) => x - y);
      expect(values[0]).toBe(w * 1000);
      expect(values.at(-1)).toBe(w * 1000 + window.length - 1);
      expect(window.filter((r) => Math.floor((r.v as number) / 100) !== Math.floor((r.id as number) / 100)).length).toBeGreaterThan(window.length / 2);
    });
  });
});
