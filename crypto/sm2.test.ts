import { generateKeyPairSync } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { sm2 as smV2 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.ts';
import {
  normalizeSm2PublicKey,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2Verify,
} from './sm2.ts';

// GM/T 0003.5-2012 / GB/T 32918.5 example key on the recommended curve. (GB/T 32918.2's own
// annex examples use a different, test-only 256-bit curve, so they cannot run here.)
const D = '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8';
const P =
  '04' +
  '09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020' +
  'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13';
const K = '59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21';
const R = 'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3';
const S = 'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa';
// The same example's encryption of "encryption standard" with k = K, as C1‖C3‖C2.
const CIPHERTEXT =
  '04' +
  '04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73' +
  'e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0' +
  '59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766' +
  '21886ca989ca9c7d58087307ca93092d651efa';

const derSignature = (r: string, s: string): string => {
  const int = (h: string): string => {
    const body = parseInt(h.slice(0, 2), 16) >= 0x80 ? '00' + h : h;
    return '02' + (body.length / 2).toString(16).padStart(2, '0') + body;
  };
  const content = int(r) + int(s);
  return '30' + (content.length / 2).toString(16).padStart(2, '0') + content;
};

describe('SM2 on the published example', () => {
  it('derives the example public key', () => {
    expect(sm2PublicKeyFromPrivate(D)).toBe(P);
  });

  it('verifies the example signature (default signer ID) and reproduces it with the example nonce', () => {
    const signature = derSignature(R, S);
    expect(sm2Verify('message digest', signature, P)).toBe(true);
    expect(sm2Verify('message digest', signature, P, { userId: 'ALICE123@YAHOO.COM' })).toBe(false);
    const kG = sm2PublicKeyFromPrivate(K);
    const pointPool = [{ k: BigInt('0x' + K), x1: BigInt('0x' + kG.slice(2, 66)) }];
    expect(smV2.doSignature('message digest', D, { hash: true, der: true, pointPool })).toBe(signature);
  });

  it('decrypts the example ciphertext', () => {
    expect(Buffer.from(sm2Decrypt(D, hexToBytes(CIPHERTEXT))).toString()).toBe('encryption standard');
  });
});

describe('SM2 signatures', () => {
  it('round-trips and is bound to message, key and signer ID', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    expect(privateKey).toMatch(/^[0-9a-f]{64}$/);
    expect(publicKey).toMatch(/^04[0-9a-f]{128}$/);
    const sig = sm2Sign('{"a":1}', privateKey);
    expect(sm2Verify('{"a":1}', sig, publicKey)).toBe(true);
    expect(sm2Verify(new TextEncoder().encode('{"a":1}'), sig, publicKey)).toBe(true);
    expect(sm2Verify('{"a":2}', sig, publicKey)).toBe(false);
    expect(sm2Verify('{"a":1}', sig, sm2GenerateKeyPair().publicKey)).toBe(false);
    const withId = sm2Sign('x', privateKey, { userId: 'alice@example.cn' });
    expect(sm2Verify('x', withId, publicKey, { userId: 'alice@example.cn' })).toBe(true);
    expect(sm2Verify('x', withId, publicKey)).toBe(false);
  });

  it('interoperates with sm-crypto both ways', () => {
    for (let i = 0; i < 3; i++) {
      const theirs = smCrypto.sm2.generateKeyPairHex();
      const msg = `合同条款 ${i}`;
      const theirSig = smCrypto.sm2.doSignature(msg, theirs.privateKey, { hash: true, der: true });
      expect(sm2Verify(msg, theirSig, theirs.publicKey)).toBe(true);
      const ours = sm2GenerateKeyPair();
      const ourSig = sm2Sign(msg, ours.privateKey);
      expect(smCrypto.sm2.doVerifySignature(msg, ourSig, ours.publicKey, { hash: true, der: true })).toBe(true);
      const bytes = new Uint8Array([0, 1, 2, 250, 255, i]);
      expect(smCrypto.sm2.doVerifySignature(Array.from(bytes), sm2Sign(bytes, ours.privateKey), ours.publicKey, { hash: true, der: true })).toBe(true);
    }
  });

  it('returns false, never throws, on garbage', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const sig = sm2Sign('m', privateKey);
    const flipped = sig.slice(0, 20) + (sig[20] === '0' ? '1' : '0') + sig.slice(21);
    for (const bad of ['', 'zz', '30', '3000', flipped, sig + '00', derSignature('00', S), derSignature('ff'.repeat(32), S)]) {
      expect(sm2Verify('m', bad, publicKey)).toBe(false);
    }
    expect(sm2Verify('m', sig, 'not a key')).toBe(false);
    expect(sm2Verify('m', sig, '04' + '00'.repeat(64))).toBe(false);
  });

  it('refuses malformed private keys', () => {
    expect(() => sm2Sign('m', 'abc')).toThrow(/64 hex/);
    expect(() => sm2Sign('m', '00'.repeat(32))).toThrow(/range/);
    expect(() => sm2Sign('m', 'ff'.repeat(32))).toThrow(/range/);
  });
});

describe('SM2 encryption (C1C3C2)', () => {
  it('round-trips and matches sm-crypto mode 1 both ways', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const data = new Uint8Array([1, 2, 3, 0, 255, ...new TextEncoder().encode('数据密钥')]);
    const ours = sm2Encrypt(publicKey, data);
    expect(ours[0]).toBe(4);
    expect(ours).toHaveLength(1 + 64 + 32 + data.length);
    expect(sm2Decrypt(privateKey, ours)).toEqual(data);
    // sm-crypto's hex omits C1's 04 prefix byte.
    const theirPlain = smCrypto.sm2.doDecrypt(bytesToHex(ours.subarray(1)), privateKey, 1, { output: 'array' });
    expect(Uint8Array.from(theirPlain)).toEqual(data);
    const theirs = smCrypto.sm2.doEncrypt(Array.from(data), publicKey, 1);
    expect(sm2Decrypt(privateKey, hexToBytes('04' + theirs))).toEqual(data);
  });

  it('fails closed on tampering, wrong keys and malformed input', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const ct = sm2Encrypt(publicKey, new Uint8Array([9, 9, 9]));
    for (const index of [1, 70, ct.length - 1]) {
      const bad = Uint8Array.from(ct);
      bad[index]! ^= 1;
      expect(() => sm2Decrypt(privateKey, bad)).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
    }
    expect(() => sm2Decrypt(sm2GenerateKeyPair().privateKey, ct)).toThrow(/decryption failed/);
    expect(() => sm2Decrypt(privateKey, ct.subarray(0, 97))).toThrow(/decryption failed/);
    expect(() => sm2Decrypt(privateKey, ct.subarray(1))).toThrow(/decryption failed/);
    expect(() => sm2Encrypt(publicKey, new Uint8Array())).toThrow(/non-empty/);
  });
});

describe('normalizeSm2PublicKey', () => {
  it('accepts uncompressed and compressed hex', () => {
    expect(normalizeSm2PublicKey(P.toUpperCase())).toBe(P);
    const compressed = smV2.compressPublicKeyHex(P);
    expect(compressed.slice(0, 2)).toMatch(/^0[23]$/);
    expect(normalizeSm2PublicKey(compressed)).toBe(P);
    for (let i = 0; i < 10; i++) {
      const { publicKey } = sm2GenerateKeyPair();
      expect(normalizeSm2PublicKey(smV2.compressPublicKeyHex(publicKey))).toBe(publicKey);
    }
  });

  it('accepts SPKI PEM with id-ecPublicKey + SM2 curve (as OpenSSL writes it) or the SM2 OID', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const der = publicKey.export({ format: 'der', type: 'spki' });
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const expected = der.subarray(der.length - 65).toString('hex');
    expect(normalizeSm2PublicKey(pem)).toBe(expected);
    // Same point under AlgorithmIdentifier { 1.2.156.10197.1.301, NULL }.
    const algorithm = Buffer.from('300c06082a811ccf5501822d0500', 'hex');
    const bitString = Buffer.concat([Buffer.from('034200', 'hex'), der.subarray(der.length - 65)]);
    const alt = Buffer.concat([Buffer.from([0x30, algorithm.length + bitString.length]), algorithm, bitString]);
    const altPem = `-----BEGIN PUBLIC KEY-----\n${alt.toString('base64')}\n-----END PUBLIC KEY-----\n`;
    expect(normalizeSm2PublicKey(altPem)).toBe(expected);
  });

  it('rejects other curves, off-curve points and junk', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const offCurve = P.slice(0, -1) + (P.endsWith('3') ? '4' : '3');
    for (const bad of [p256, offCurve, '04' + '00'.repeat(64), P.slice(2), P + '00', '', 'hello', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----']) {
      expect(() => normalizeSm2PublicKey(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});
