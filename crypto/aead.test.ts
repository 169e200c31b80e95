import { randomBytes } from 'node:crypto';
import { gcm as nobleGcm } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { aeadDecrypt, aeadEncrypt, AeadError, createAead, open, seal, type AeadAlg } from './aead.ts';
import { packBytes } from './gcm.ts';

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const ALGS: [AeadAlg, number][] = [
  ['SM4-GCM', 16],
  ['AES-256-GCM', 32],
];

describe('AEAD API', () => {
  it('SM4-GCM one-shot reproduces RFC 8998 Appendix A.1', () => {
    const out = aeadEncrypt(
      'SM4-GCM',
      hexToBytes('0123456789abcdeffedcba9876543210'),
      hexToBytes('00001234567800000000abcd'),
      hexToBytes('aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccddddddddddddddddeeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa'),
      hexToBytes('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
    );
    expect(bytesToHex(out.subarray(64))).toBe('83de3541e4c2b58177e065a9bf7b62ec');
  });

  it('AES-256-GCM equals @noble/ciphers on both sides of the short/long message switch', () => {
    for (const [size, aadSize] of [[0, 0], [1, 5], [32, 16], [1000, 0], [2032, 16], [2033, 16], [2048, 0], [2049, 0], [9000, 40]] as const) {
      const key = bytes(32), nonce = bytes(12), pt = bytes(size), aad = bytes(aadSize);
      const ours = aeadEncrypt('AES-256-GCM', key, nonce, pt, aad);
      expect(ours).toEqual(nobleGcm(key, nonce, aad).encrypt(pt));
      expect(aeadDecrypt('AES-256-GCM', key, nonce, nobleGcm(key, nonce, aad).encrypt(pt), aad)).toEqual(pt);
    }
  });

  it.each(ALGS)('%s: seal/open round-trip with random nonces, string or byte AAD', (alg, keyBytes) => {
    const key = bytes(keyBytes);
    const pt = new TextEncoder().encode('110101199003077777');
    const a = seal(alg, key, pt, 'dataset:ds_1|field:id');
    const b = seal(alg, key, pt, 'dataset:ds_1|field:id');
    expect(a).toHaveLength(12 + pt.length + 16);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(open(alg, key, a, 'dataset:ds_1|field:id')).toEqual(pt);
    expect(open(alg, key, b, new TextEncoder().encode('dataset:ds_1|field:id'))).toEqual(pt);
    expect(open(alg, key, seal(alg, key, new Uint8Array()))).toEqual(new Uint8Array());
  });

  it.each(ALGS)('%s: any flipped bit in nonce, ciphertext, tag or AAD throws AeadError (DECRYPT_FAILED)', (alg, keyBytes) => {
    const key = bytes(keyBytes);
    const sealed = seal(alg, key, bytes(32), 'aad');
    for (const i of [0, 11, 12, 43, 44, 59]) {
      const bad = Uint8Array.from(sealed);
      bad[i]! ^= 0x80;
      expect(() => open(alg, key, bad, 'aad')).toThrow(AeadError);
    }
    expect(() => open(alg, key, sealed, 'aae')).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED', status: 400 }));
    expect(() => open(alg, key, sealed)).toThrow(AeadError);
    expect(() => open(alg, bytes(keyBytes), sealed, 'aad')).toThrow(AeadError);
    expect(() => open(alg, key, sealed.subarray(0, 27), 'aad')).toThrow(AeadError);
  });

  it.each(ALGS)('%s: sealMany/openMany match seal/open, with shared or per-item AAD', (alg, keyBytes) => {
    const aead = createAead(alg, bytes(keyBytes));
    const fields = Array.from({ length: 50 }, (_, i) => bytes(i === 10 ? 5000 : i));
    const shared = aead.sealMany(fields, 'ds_1|phone');
    expect(new Set(shared.map((s) => bytesToHex(s.subarray(0, 12)))).size).toBe(50);
    shared.forEach((s, i) => expect(aead.open(s, 'ds_1|phone')).toEqual(fields[i]));
    expect(aead.openMany(shared, 'ds_1|phone')).toEqual(fields);
    const aads = fields.map((_, i) => `row:${i}`);
    const perItem = aead.sealMany(fields, aads);
    expect(aead.openMany(perItem, aads)).toEqual(fields);
    expect(aead.open(perItem[3]!, 'row:3')).toEqual(fields[3]);
    expect(() => aead.openMany(perItem, 'row:0')).toThrow(AeadError);
    expect(() => aead.sealMany(fields, aads.slice(1))).toThrow(/one AAD per item/);
    expect(() => aead.openMany([perItem[0]!.subarray(0, 20)], ['row:0'])).toThrow(AeadError);
  });

  it.each(ALGS)('%s: sealPacked leaves the reserved bytes to the caller and opens like seal', (alg, keyBytes) => {
    const aead = createAead(alg, bytes(keyBytes));
    const fields = Array.from({ length: 30 }, (_, i) => bytes(i === 7 ? 3000 : i));
    const { data, ends } = packBytes(fields);
    const { out, starts } = aead.sealPacked(data, ends, 'ds_1|phone', 4);
    fields.forEach((field, i) => {
      expect(out.subarray(starts[i]!, starts[i]! + 4)).toEqual(new Uint8Array(4));
      expect(aead.open(out.subarray(starts[i]! + 4, starts[i + 1]!), 'ds_1|phone')).toEqual(field);
    });
  });

  it('rejects wrong key and nonce sizes and unknown algorithms', () => {
    expect(() => seal('SM4-GCM', bytes(32), bytes(1))).toThrow(/16 bytes/);
    expect(() => seal('AES-256-GCM', bytes(16), bytes(1))).toThrow(/32 bytes/);
    expect(() => aeadEncrypt('AES-256-GCM', bytes(32), bytes(16), bytes(1))).toThrow(/12 bytes/);
    expect(() => seal('ChaCha' as AeadAlg, bytes(32), bytes(1))).toThrow(/unsupported/);
  });

  it('notices a key array rewritten in place between calls', () => {
    const key = bytes(16);
    const nonce = bytes(12);
    const first = aeadEncrypt('SM4-GCM', key, nonce, bytes(8).fill(1));
    key[0]! ^= 1;
    const second = aeadEncrypt('SM4-GCM', key, nonce, bytes(8).fill(1));
    expect(bytesToHex(second)).not.toBe(bytesToHex(first));
    expect(createAead('SM4-GCM', key).encrypt(nonce, bytes(8).fill(1))).toEqual(second);
  });
});
