import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from './bytes.ts';
import { ff3_1, ff3Rounds } from './ff3.ts';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const toDigits = (s: string): number[] => [...s].map((c) => ALPHABET.indexOf(c));
const fromDigits = (d: number[]): string => d.map((x) => ALPHABET[x]).join('');

const K128 = 'ef4359d8d580aa4f7f036d6f04fc6a94';
const K192 = K128 + '2b7e151628aed2a6';
const K256 = K192 + 'abf7158809cf4f3c';
const P18 = '890121234567890000';
const P29 = '89012123456789000000789000000';
const P19 = '0123456789abcdefghi';

// NIST FF3 samples 1-15 (FF3samples.pdf), 64-bit tweaks. They drive the shared FF3 rounds.
const FF3_SAMPLES = [
  [K128, 10, 'd8e7920afa330a73', P18, '750918814058654607'],
  [K128, 10, '9a768a92f60e12d8', P18, '018989839189395384'],
  [K128, 10, 'd8e7920afa330a73', P29, '48598367162252569629397416226'],
  [K128, 10, '0000000000000000', P29, '34695224821734535122613701434'],
  [K128, 26, '9a768a92f60e12d8', P19, 'g2pk40i992fn20cjakb'],
  [K192, 10, 'd8e7920afa330a73', P18, '646965393875028755'],
  [K192, 10, '9a768a92f60e12d8', P18, '961610514491424446'],
  [K192, 10, 'd8e7920afa330a73', P29, '53048884065350204541786380807'],
  [K192, 10, '0000000000000000', P29, '98083802678820389295041483512'],
  [K192, 26, '9a768a92f60e12d8', P19, 'i0ihe2jfj7a9opf9p88'],
  [K256, 10, 'd8e7920afa330a73', P18, '922011205562777495'],
  [K256, 10, '9a768a92f60e12d8', P18, '504149865578056140'],
  [K256, 10, 'd8e7920afa330a73', P29, '04344343235792599165734622699'],
  [K256, 10, '0000000000000000', P29, '30859239999374053872365555822'],
  [K256, 26, '9a768a92f60e12d8', P19, 'p0b2godfja9bhb7bk38'],
] as const;

// FF3-1 vectors. NIST has published no FF3-1 sample file; the first is ACVP test group 1 case 1
// (as reproduced by the mysto/python-fpe test suite). The others are derived from the FF3
// samples whose 64-bit tweak is all zero: a zero 56-bit FF3-1 tweak maps to exactly that tweak
// (T_L = T[0..27]‖0^4, T_R = T[32..55]‖T[28..31]‖0^4), so FF3-1 must give the same ciphertext.
const FF3_1_VECTORS = [
  ['2de79d232df5585d68ce47882ae256d6', 10, 'cbd09280979564', '3992520240', '8901801106'],
  [K128, 10, '00000000000000', P29, '34695224821734535122613701434'],
  [K192, 10, '00000000000000', P29, '98083802678820389295041483512'],
  [K256, 10, '00000000000000', P29, '30859239999374053872365555822'],
  // Not from NIST: the FF3-1 example several FF3-1 libraries document, kept as a third check.
  [K128, 10, 'd8e7920afa330a', P18, '477064185124354662'],
] as const;

describe('FF3 rounds (NIST FF3 samples)', () => {
  it('reproduce all 15 samples both ways', () => {
    for (const [key, radix, tweak, pt, ct] of FF3_SAMPLES) {
      const rounds = ff3Rounds(hexToBytes(key), radix);
      expect(fromDigits(rounds(toDigits(pt), hexToBytes(tweak), false))).toBe(ct);
      expect(fromDigits(rounds(toDigits(ct), hexToBytes(tweak), true))).toBe(pt);
    }
  });
});

describe('FF3-1 (NIST SP 800-38G Rev. 1)', () => {
  it('reproduces the ACVP vector and the vectors derived from zero-tweak FF3 samples', () => {
    for (const [key, radix, tweak, pt, ct] of FF3_1_VECTORS) {
      const cipher = ff3_1('AES', hexToBytes(key), radix);
      expect(fromDigits(cipher.encrypt(toDigits(pt), hexToBytes(tweak)))).toBe(ct);
      expect(fromDigits(cipher.decrypt(toDigits(ct), hexToBytes(tweak)))).toBe(pt);
    }
  });

  it('places the 56-bit tweak exactly as the Rev. 1 split prescribes', () => {
    const key = new Uint8Array(randomBytes(16));
    const tweak = new Uint8Array(randomBytes(7));
    const tlr = Uint8Array.of(tweak[0]!, tweak[1]!, tweak[2]!, tweak[3]! & 0xf0, tweak[4]!, tweak[5]!, tweak[6]!, (tweak[3]! & 0x0f) << 4);
    const x = toDigits('4111111111111111');
    expect(ff3_1('AES', key, 10).encrypt(x, tweak)).toEqual(ff3Rounds(key, 10)(x, tlr, false));
  });

  it('round-trips on both arithmetic paths and preserves format', () => {
    for (const [radix, n] of [[10, 16], [10, 56], [36, 20], [62, 32], [2, 40], [65536, 12]] as const) {
      const cipher = ff3_1('AES', new Uint8Array(randomBytes(32)), radix);
      const tweak = new Uint8Array(randomBytes(7));
      const x = Array.from({ length: n }, () => randomInt(radix));
      const y = cipher.encrypt(x, tweak);
      expect(y).toHaveLength(n);
      for (const d of y) expect(d >= 0 && d < radix).toBe(true);
      expect(cipher.decrypt(y, tweak)).toEqual(x);
    }
  });

  it('rejects bad tweaks, lengths beyond maxlen and non-AES ciphers', () => {
    const cipher = ff3_1('AES', new Uint8Array(16), 10);
    expect(() => cipher.encrypt(toDigits(P18))).toThrow(/7 bytes/);
    expect(() => cipher.encrypt(toDigits(P18), new Uint8Array(8))).toThrow(/7 bytes/);
    expect(() => cipher.encrypt(new Array(57).fill(1), new Uint8Array(7))).toThrow(/length/);
    expect(() => ff3_1('SM4' as 'AES', new Uint8Array(16), 10)).toThrow(/AES/);
  });
});
