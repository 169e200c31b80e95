import { describe, expect, it } from 'vitest';
import { constantTimeEqual, randomBytes, randomFillPublic, randomToken } from './random.ts';

describe('randomness and comparison', () => {
  it('randomBytes returns fresh plain Uint8Arrays of the asked length', () => {
    const a = randomBytes(32);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(a)).toBe(false);
    expect(a).toHaveLength(32);
    expect(Buffer.from(a).equals(Buffer.from(randomBytes(32)))).toBe(false);
    expect(randomBytes(0)).toHaveLength(0);
  });

  it('randomToken is the prefix plus 43 base64url characters, never repeating', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => randomToken('slc_')));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^slc_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(randomToken('').slice(0), 'base64url')).toHaveLength(32);
  });

  it('randomFillPublic fills any length across pool refills without repeating', () => {
    const seen = new Set<string>();
    for (const n of [12, 1, 4095, 4096, 5000, 12]) {
      const out = new Uint8Array(n);
      randomFillPublic(out);
      seen.add(Buffer.from(out).toString('hex'));
      if (n >= 16) expect(out.some((b) => b !== 0)).toBe(true);
    }
    expect(seen.size).toBe(6);
  });

  it('constantTimeEqual compares bytes and UTF-8 strings', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual('é', new Uint8Array([0xc3, 0xa9]))).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
