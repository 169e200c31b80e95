import { createHash, randomBytes } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from './bytes.ts';
import { sm3, sm3Hex, SM3_IV, sm3Compress } from './sm3.ts';

describe('SM3 (GB/T 32905-2016)', () => {
  it('matches the standard\'s example A.1 ("abc")', () => {
    expect(sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('matches the standard\'s example A.2 (64 bytes "abcd" x 16)', () => {
    expect(sm3Hex('abcd'.repeat(16))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });

  it('returns bytes equal to the hex form and treats strings as UTF-8', () => {
    expect(bytesToHex(sm3('中文'))).toBe(sm3Hex(new TextEncoder().encode('中文')));
    expect(sm3(new Uint8Array())).toHaveLength(32);
  });

  it('agrees with sm-crypto on random inputs', () => {
    for (let len = 0; len < 200; len += 7) {
      const data = new Uint8Array(randomBytes(len));
      expect(sm3Hex(data)).toBe(smCrypto.sm3(data));
    }
  });

  it('hand-written compression reproduces OpenSSL on a padded single block', () => {
    const w = new Int32Array(68);
    w[0] = 0x61626380; // "abc" then the 0x80 pad bit
    w[15] = 24;
    const v = Int32Array.from(SM3_IV);
    sm3Compress(v, w);
    const out = Buffer.alloc(32);
    v.forEach((word, i) => out.writeInt32BE(word, i * 4));
    expect(out.toString('hex')).toBe(createHash('sm3').update('abc').digest('hex'));
  });
});
