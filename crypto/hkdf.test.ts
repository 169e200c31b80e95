import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.ts';
import { hkdf } from './hkdf.ts';
import { createKeyedHash } from './keyed-hash.ts';

const range = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** RFC 5869 written out over our own HMAC, as an independent second implementation. */
function referenceHkdf(alg: 'hmac-sm3' | 'hmac-sha256', ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = createKeyedHash(alg, salt.length > 0 ? salt : new Uint8Array(32)).digest(ikm);
  const expand = createKeyedHash(alg, prk);
  const blocks: Uint8Array[] = [];
  let previous: Uint8Array = new Uint8Array();
  for (let i = 1; blocks.length * 32 < length; i++) {
    previous = expand.digest(concatBytes(previous, info, Uint8Array.of(i)));
    blocks.push(previous);
  }
  return concatBytes(...blocks).subarray(0, length);
}

describe('hkdf (RFC 5869)', () => {
  it('reproduces RFC 5869 test cases 1-3 (SHA-256)', () => {
    expect(bytesToHex(hkdf('sha256', new Uint8Array(22).fill(0x0b), range(0, 12), range(0xf0, 0xf9), 42))).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
    expect(bytesToHex(hkdf('sha256', range(0, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82))).toBe(
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
    );
    expect(bytesToHex(hkdf('sha256', new Uint8Array(22).fill(0x0b), new Uint8Array(), '', 42))).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('with SM3 equals the RFC 5869 construction over HMAC-SM3', () => {
    for (const length of [1, 16, 32, 33, 100]) {
      const ikm = new Uint8Array(randomBytes(32));
      const salt = new Uint8Array(randomBytes(length % 3 === 0 ? 0 : 16));
      const info = 'sluice/contract/ctr_1/hash';
      expect(hkdf('sm3', ikm, salt, info, length)).toEqual(referenceHkdf('hmac-sm3', ikm, salt, new TextEncoder().encode(info), length));
    }
    expect(hkdf('sm3', hexToBytes('00'), new Uint8Array(), 'a', 16)).not.toEqual(hkdf('sm3', hexToBytes('00'), new Uint8Array(), 'b', 16));
  });

  it('rejects impossible lengths and unknown hashes', () => {
    expect(() => hkdf('sm3', new Uint8Array(1), new Uint8Array(), '', 0)).toThrow();
    expect(() => hkdf('sm3', new Uint8Array(1), new Uint8Array(), '', 255 * 32 + 1)).toThrow();
    expect(() => hkdf('md5' as 'sm3', new Uint8Array(1), new Uint8Array(), '', 16)).toThrow();
    expect(() => hkdf('sm3', new Uint8Array(1), new Uint8Array(), 'x'.repeat(1025), 16)).toThrow(/1024/);
    expect(hkdf('sm3', new Uint8Array(1), new Uint8Array(), 'x'.repeat(1024), 16)).toHaveLength(16);
  });
});
