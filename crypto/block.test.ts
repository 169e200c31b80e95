import { randomBytes } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { createBlockCipher, sm4DecryptBlocks, sm4EncryptBlocks } from './block.ts';

describe('SM4 block cipher (GB/T 32907-2016)', () => {
  const key = hexToBytes('0123456789abcdeffedcba9876543210');

  it('matches the standard\'s example 1', () => {
    expect(bytesToHex(sm4EncryptBlocks(key, key))).toBe('681edf34d206965e86b3e94f536e4246');
    expect(bytesToHex(sm4DecryptBlocks(key, hexToBytes('681edf34d206965e86b3e94f536e4246')))).toBe(bytesToHex(key));
  });

  it('matches the standard\'s example 2 (1,000,000 encryptions)', () => {
    const cipher = createBlockCipher('SM4', key);
    let block: Uint8Array = key;
    for (let i = 0; i < 1_000_000; i++) block = cipher.encryptBlocks(block);
    expect(bytesToHex(block)).toBe('595298c7c6fd271f0402f804c33d3f66');
  });

  it('agrees with sm-crypto on random keys and multi-block inputs', () => {
    for (let i = 0; i < 20; i++) {
      const k = new Uint8Array(randomBytes(16));
      const data = new Uint8Array(randomBytes(16 * (1 + i)));
      const theirs = smCrypto.sm4.encrypt(data, k, { padding: 'none', output: 'array' }) as number[];
      expect(sm4EncryptBlocks(k, data)).toEqual(Uint8Array.from(theirs));
      expect(createBlockCipher('SM4', k).encryptBlocks(data)).toEqual(Uint8Array.from(theirs));
      expect(sm4DecryptBlocks(k, Uint8Array.from(theirs))).toEqual(data);
    }
  });

  it('rejects wrong key sizes and partial blocks', () => {
    expect(() => sm4EncryptBlocks(new Uint8Array(15), new Uint8Array(16))).toThrow(/16 bytes/);
    expect(() => sm4EncryptBlocks(key, new Uint8Array(17))).toThrow(/whole 16-byte blocks/);
    expect(() => createBlockCipher('AES', new Uint8Array(20))).toThrow(/AES keys/);
  });
});

describe('createBlockCipher', () => {
  it('AES matches FIPS-197 Appendix C for all key sizes', () => {
    const plaintext = hexToBytes('00112233445566778899aabbccddeeff');
    const cases: [string, string][] = [
      ['000102030405060708090a0b0c0d0e0f', '69c4e0d86a7b0430d8cdb78070b4c55a'],
      ['000102030405060708090a0b0c0d0e0f1011121314151617', 'dda97ca4864cdfe06eaf70a0ec0d7191'],
      ['000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', '8ea2b7ca516745bfeafc49904b496089'],
    ];
    for (const [k, c] of cases) expect(bytesToHex(createBlockCipher('AES', hexToBytes(k)).encryptBlocks(plaintext))).toBe(c);
  });

  it('keeps its own copy of the key', () => {
    const k = new Uint8Array(randomBytes(16));
    const cipher = createBlockCipher('SM4', k);
    const before = cipher.ctr(new Uint8Array(16), new Uint8Array(32));
    k.fill(0);
    expect(cipher.ctr(new Uint8Array(16), new Uint8Array(32))).toEqual(before);
  });
});
