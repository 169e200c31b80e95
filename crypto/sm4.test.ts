import { createCipheriv, randomBytes } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { createSm4Encrypt } from './sm4.ts';

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

describe('SM4 in TypeScript (GB/T 32907-2016)', () => {
  const key = hexToBytes('0123456789abcdeffedcba9876543210');

  it("matches the standard's example 1", () => {
    expect(bytesToHex(createSm4Encrypt(key)(key))).toBe('681edf34d206965e86b3e94f536e4246');
  });

  it("matches the standard's example 2 (1,000,000 encryptions)", () => {
    const encrypt = createSm4Encrypt(key);
    let block = key;
    for (let i = 0; i < 1_000_000; i++) block = encrypt(block);
    expect(bytesToHex(block)).toBe('595298c7c6fd271f0402f804c33d3f66');
  });

  it('equals node:crypto (OpenSSL) and sm-crypto on random keys and inputs', () => {
    for (let i = 0; i < 200; i++) {
      const k = bytes(16);
      const data = bytes(16 * (1 + (i % 24)));
      const ours = createSm4Encrypt(k)(data);
      const openssl = createCipheriv('sm4-ecb', k, null).setAutoPadding(false).update(data);
      expect(ours).toEqual(new Uint8Array(openssl));
      if (i % 10 === 0) expect(ours).toEqual(Uint8Array.from(smCrypto.sm4.encrypt(data, k, { padding: 'none', output: 'array' }) as number[]));
    }
  });

  it('refuses keys other than 16 bytes', () => {
    expect(() => createSm4Encrypt(bytes(15))).toThrow(/16 bytes/);
  });
});
