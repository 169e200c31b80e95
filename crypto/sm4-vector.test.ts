import { createCipheriv, randomBytes } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.ts';
import { createSm4Vector } from './sm4-vector.ts';

const createSm4Ctr = (key: Uint8Array) => createSm4Vector(key).ctr;

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** sm-crypto's SM4 (an independent implementation) on each counter block, XORed in. */
function theirs(key: Uint8Array, counter: Uint8Array, data: Uint8Array): Uint8Array {
  const blocks = Math.ceil(data.length / 16);
  const counters = new Uint8Array(blocks * 16);
  const view = new DataView(counters.buffer);
  const start = new DataView(counter.buffer, counter.byteOffset).getUint32(12);
  for (let i = 0; i < blocks; i++) {
    counters.set(counter.subarray(0, 12), 16 * i);
    view.setUint32(16 * i + 12, (start + i) >>> 0);
  }
  const stream = Uint8Array.from(smCrypto.sm4.encrypt(counters, key, { padding: 'none', output: 'array' }) as number[]);
  return data.map((b, i) => b ^ stream[i]!);
}

describe('SM4-CTR in WebAssembly (GB/T 32907-2016 counter blocks)', () => {
  it("gives the standard's example 1 as the first keystream block", () => {
    const key = hexToBytes('0123456789abcdeffedcba9876543210');
    expect(bytesToHex(createSm4Ctr(key)(key, new Uint8Array(16)))).toBe('681edf34d206965e86b3e94f536e4246');
  });

  it('equals OpenSSL\'s sm4-ctr and sm-crypto on random keys, counters and lengths across group and copy boundaries', () => {
    for (const length of [0, 1, 15, 16, 17, 191, 192, 193, 1000, 65_536, 65_537, 200_003]) {
      const key = bytes(16), counter = bytes(16), data = bytes(length);
      counter[12] = 0; // no wrap of the last word, where OpenSSL's 128-bit count and inc32 agree
      const ours = createSm4Ctr(key)(counter, data);
      expect(ours).toEqual(new Uint8Array(createCipheriv('sm4-ctr', key, counter).update(data)));
      if (length < 5000) expect(ours).toEqual(theirs(key, counter, data));
    }
  });

  it('counts in the last 32 bits only, as GCM does, wrapping without a carry', () => {
    const key = bytes(16), data = bytes(16 * 40);
    const counter = concatBytes(bytes(12), hexToBytes('ffffffe0'));
    expect(createSm4Ctr(key)(counter, data)).toEqual(theirs(key, counter, data));
  });

  it('keeps each key\'s round keys apart when keys take turns, and leaves the caller\'s counter as it was', () => {
    const keys = [bytes(16), bytes(16)];
    const ciphers = keys.map((key) => createSm4Ctr(key));
    const counter = bytes(16);
    counter[12] = 0;
    const before = Uint8Array.from(counter);
    for (let round = 0; round < 3; round++) {
      ciphers.forEach((ctr, k) => {
        const data = bytes(300 + round);
        expect(ctr(counter, data)).toEqual(theirs(keys[k]!, counter, data));
      });
    }
    expect(counter).toEqual(before);
  });
});

describe('SM4-ECB in WebAssembly (GB/T 32907-2016)', () => {
  it("matches the standard's examples 1 and 2 (1,000,000 encryptions)", () => {
    const key = hexToBytes('0123456789abcdeffedcba9876543210');
    const sm4 = createSm4Vector(key);
    expect(bytesToHex(sm4.encryptBlocks(key))).toBe('681edf34d206965e86b3e94f536e4246');
    // Twelve copies go through at once, so the million encryptions take 1/12 of the calls' blocks.
    let blocks = concatBytes(...Array.from({ length: 12 }, () => key));
    for (let i = 0; i < 1_000_000; i++) blocks = sm4.encryptBlocks(blocks);
    for (let b = 0; b < 12; b++) expect(bytesToHex(blocks.subarray(16 * b, 16 * b + 16))).toBe('595298c7c6fd271f0402f804c33d3f66');
  });

  it('equals OpenSSL and sm-crypto on random keys and block counts across group and copy boundaries', () => {
    for (const blocks of [1, 2, 11, 12, 13, 24, 100, 4096, 4097, 9000]) {
      const key = bytes(16), data = bytes(16 * blocks);
      const ours = createSm4Vector(key).encryptBlocks(data);
      expect(ours).toEqual(new Uint8Array(createCipheriv('sm4-ecb', key, null).setAutoPadding(false).update(data)));
      if (blocks < 200) expect(ours).toEqual(Uint8Array.from(smCrypto.sm4.encrypt(data, key, { padding: 'none', output: 'array' }) as number[]));
    }
  });
});
