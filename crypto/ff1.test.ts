import { randomBytes, randomInt } from 'node:crypto';
import { FF1 as nobleFF1 } from '@noble/ciphers/ff1.js';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from './bytes.ts';
import { ff1 } from './ff1.ts';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const toDigits = (s: string): number[] => [...s].map((c) => ALPHABET.indexOf(c));
const fromDigits = (d: number[]): string => d.map((x) => ALPHABET[x]).join('');

const K128 = '2b7e151628aed2a6abf7158809cf4f3c';
const K192 = K128 + 'ef4359d8d580aa4f';
const K256 = K192 + '7f036d6f04fc6a94';
const T10 = '39383736353433323130';
const T36 = '3737373770717273373737';

// NIST SP 800-38G FF1 samples 1-9 (FF1samples.pdf).
const SAMPLES = [
  { key: K128, radix: 10, tweak: '', pt: '0123456789', ct: '2433477484' },
  { key: K128, radix: 10, tweak: T10, pt: '0123456789', ct: '6124200773' },
  { key: K128, radix: 36, tweak: T36, pt: '0123456789abcdefghi', ct: 'a9tv40mll9kdu509eum' },
  { key: K192, radix: 10, tweak: '', pt: '0123456789', ct: '2830668132' },
  { key: K192, radix: 10, tweak: T10, pt: '0123456789', ct: '2496655549' },
  { key: K192, radix: 36, tweak: T36, pt: '0123456789abcdefghi', ct: 'xbj3kv35jrawxv32ysr' },
  { key: K256, radix: 10, tweak: '', pt: '0123456789', ct: '6657667009' },
  { key: K256, radix: 10, tweak: T10, pt: '0123456789', ct: '1001623463' },
  { key: K256, radix: 36, tweak: T36, pt: '0123456789abcdefghi', ct: 'xs8a0azh2avyalyzuwd' },
];

const randomDigits = (n: number, radix: number): number[] => Array.from({ length: n }, () => randomInt(radix));

describe('FF1 (NIST SP 800-38G)', () => {
  it('reproduces NIST samples 1-9 (AES-128/192/256, radix 10 and 36)', () => {
    for (const s of SAMPLES) {
      const cipher = ff1('AES', hexToBytes(s.key), s.radix);
      expect(fromDigits(cipher.encrypt(toDigits(s.pt), hexToBytes(s.tweak)))).toBe(s.ct);
      expect(fromDigits(cipher.decrypt(toDigits(s.ct), hexToBytes(s.tweak)))).toBe(s.pt);
    }
  });

  it('AES-FF1 equals @noble/ciphers FF1 across radices, lengths, tweaks and both arithmetic paths', () => {
    const cases: [number, number][] = [
      [10, 6], [10, 11], [10, 18], [10, 19], [10, 26], [10, 27], [10, 60],
      [2, 20], [2, 91], [16, 32], [36, 16], [36, 17], [62, 40], [256, 33], [65535, 9], [40000, 70],
    ];
    for (const [radix, n] of cases) {
      for (const tweakLength of [0, 3, 11, 16, 40]) {
        const key = new Uint8Array(randomBytes([16, 24, 32][randomInt(3)]!));
        const tweak = new Uint8Array(randomBytes(tweakLength));
        const x = randomDigits(n, radix);
        const ours = ff1('AES', key, radix).encrypt(x, tweak);
        expect(ours).toEqual(nobleFF1(radix, key, tweak).encrypt(x));
        expect(ff1('AES', key, radix).decrypt(ours, tweak)).toEqual(x);
      }
    }
  });
});

describe('FF1 batches', () => {
  it.each(['SM4', 'AES'] as const)('%s: encryptMany equals per-value encrypt over mixed lengths and both paths', (name) => {
    for (const [radix, tweakLength] of [[10, 0], [10, 14], [36, 40], [65535, 5]] as const) {
      const cipher = ff1(name, new Uint8Array(randomBytes(name === 'SM4' ? 16 : 32)), radix);
      const tweak = new Uint8Array(randomBytes(tweakLength));
      const minimum = radix === 10 ? 6 : radix === 36 ? 4 : 2;
      const values = Array.from({ length: 120 }, (_, i) => randomDigits(minimum + (i % 40), radix));
      const batch = cipher.encryptMany(values, tweak);
      values.forEach((x, i) => expect(batch[i]).toEqual(cipher.encrypt(x, tweak)));
      expect(cipher.decryptMany(batch, tweak)).toEqual(values);
    }
  });

  it('splits batches larger than one block-cipher call', () => {
    const cipher = ff1('SM4', new Uint8Array(randomBytes(16)), 10);
    const values = Array.from({ length: 4100 }, () => randomDigits(11, 10));
    const batch = cipher.encryptMany(values);
    for (const i of [0, 4095, 4096, 4099]) expect(batch[i]).toEqual(cipher.encrypt(values[i]!));
    expect(cipher.decryptMany(batch)).toEqual(values);
    expect(cipher.encryptMany([])).toEqual([]);
  });
});

describe('SM4-FF1', () => {
  const key = new Uint8Array(randomBytes(16));

  it('round-trips and preserves format', () => {
    for (const [radix, n] of [[10, 11], [10, 18], [36, 12], [62, 30], [10, 40]] as const) {
      const cipher = ff1('SM4', key, radix);
      for (let i = 0; i < 25; i++) {
        const x = randomDigits(n, radix);
        const y = cipher.encrypt(x);
        expect(y).toHaveLength(n);
        for (const d of y) expect(Number.isInteger(d) && d >= 0 && d < radix).toBe(true);
        expect(cipher.decrypt(y)).toEqual(x);
      }
    }
  });

  it('is deterministic per key and tweak, and sensitive to both', () => {
    const x = toDigits('13800138000');
    const a = ff1('SM4', key, 10);
    const tweak = new TextEncoder().encode('contract:ctr_1');
    expect(a.encrypt(x, tweak)).toEqual(ff1('SM4', Uint8Array.from(key), 10).encrypt(x, tweak));
    expect(a.encrypt(x, tweak)).not.toEqual(a.encrypt(x));
    expect(a.encrypt(x, tweak)).not.toEqual(a.encrypt(x, new TextEncoder().encode('contract:ctr_2')));
    const otherKey = Uint8Array.from(key);
    otherKey[0]! ^= 1;
    expect(ff1('SM4', otherKey, 10).encrypt(x, tweak)).not.toEqual(a.encrypt(x, tweak));
    expect(ff1('AES', key, 10).encrypt(x, tweak)).not.toEqual(a.encrypt(x, tweak));
  });

  it('is a permutation on a small domain', () => {
    const cipher = ff1('SM4', key, 10);
    const seen = new Set<string>();
    for (let v = 0; v < 2000; v++) {
      const x = v.toString().padStart(6, '0');
      seen.add(cipher.encrypt(toDigits(x)).join(''));
    }
    expect(seen.size).toBe(2000);
  });

  it('rejects invalid inputs', () => {
    const cipher = ff1('SM4', key, 10);
    expect(() => cipher.encrypt(toDigits('12345'))).toThrow(/1,000,000/);
    expect(() => cipher.encrypt([1, 2, 3, 4, 5, 10])).toThrow(/numeral/);
    expect(() => cipher.encrypt([1, 2, 3, 4, 5, 1.5])).toThrow(/numeral/);
    expect(() => ff1('SM4', key, 1)).toThrow(/radix/);
    expect(() => ff1('SM4', new Uint8Array(32), 10)).toThrow(/16 bytes/);
  });
});
