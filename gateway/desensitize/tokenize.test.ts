import { describe, expect, it } from 'vitest';
import { keysA, keysB } from '../../test/support/desensitize.ts';
import { createDesensitizer } from './desensitizer.ts';
import { createTokenizer } from './transforms/tokenize.ts';

const classes = (s: string): string => s.replace(/[0-9]/g, 'D').replace(/[A-Z]/g, 'U').replace(/[a-z]/g, 'L').replace(/[\u4e00-\u9fff]/g, 'H');

describe.each(['FF1-SM4', 'FF1-AES'] as const)('tokenize %s', (alg) => {
  const t = createTokenizer(alg, keysA.tokenize);
  const samples = ['13812345678', '+86 138-1234-5678', '6222021234567890128', '11010519491231002X', 'E12345678', 'zhang.wei@example.com', '张三丰', '京A·12345', 'ab12CD34ef'];

  it.each(samples)('preserves the class of every position and every other character in place: %s', (value) => {
    const token = t.tokenize(value)!;
    expect(token).toBeDefined();
    expect(token).not.toBe(value);
    expect(token.length).toBe(value.length);
    expect(classes(token)).toBe(classes(value));
  });

  it.each(samples)('is deterministic and reversible: %s', (value) => {
    const token = t.tokenize(value)!;
    expect(createTokenizer(alg, keysA.tokenize).tokenize(value)).toBe(token);
    expect(t.detokenize(token)).toBe(value);
  });

  it('separates keys and layouts', () => {
    const other = createTokenizer(alg, keysB.tokenize);
    expect(other.tokenize('13812345678')).not.toBe(t.tokenize('13812345678'));
    expect(t.tokenize('138-1234-5678')!.replace(/-/g, '')).not.toBe(t.tokenize('13812345678'));
  });

  it('refuses domains below 10^6, values without tokenizable characters, and over-long values', () => {
    expect(t.tokenize('12345')).toBeUndefined();
    expect(t.tokenize('123456')).toBeDefined();
    expect(t.tokenize('abcd')).toBeUndefined();
    expect(t.tokenize('abcde')).toBeDefined();
    expect(t.tokenize('张')).toBeUndefined();
    expect(t.tokenize('😀-😀')).toBeUndefined();
    expect(t.tokenize('1'.repeat(257))).toBeUndefined();
  });
});

describe('the tokenize transform', () => {
  it('delivers null for untokenizable values and counts them', () => {
    const d = createDesensitizer({ v: { transform: 'tokenize' } }, keysA);
    expect(d.transformBatch([{ v: '12345' }, { v: '文'.repeat(1 << 20) }, { v: 13812345678 }, { v: '' }]).map((r) => r.v)).toEqual([
      null,
      null,
      createTokenizer('FF1-SM4', keysA.tokenize).tokenize('13812345678'),
      '',
    ]);
    expect(d.stats().nulled).toEqual({ v: 2 });
  });
});
