import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mod, mod32, P } from './field.ts';

describe('arithmetic modulo 2^31 − 1', () => {
  it('reduces every 32-bit value as % does: the edges around p, 2p and 2^32, and random words', () => {
    const edges = [0, 1, P - 1, P, P + 1, 2 * P - 1, 2 * P, 2 * P + 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1];
    const random = Array.from(new Uint32Array(randomBytes(4 * 10_000).buffer));
    for (const x of [...edges, ...random]) expect(mod32(x)).toBe(x % P);
  });

  it('reduces negative and large doubles into [0, p)', () => {
    for (const x of [-1, -P, -P - 1, 2 ** 52 + 3, -(2 ** 52) - 5]) {
      const r = mod(x);
      expect(r >= 0 && r < P && Number.isInteger((x - r) / P)).toBe(true);
    }
  });
});
