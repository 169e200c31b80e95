import { ed25519 as nobleEd25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { ed25519GenerateKeyPair, ed25519RawPublicKey, ed25519Sign, ed25519Verify } from './ed25519.ts';

// RFC 8032 section 7.1, TEST 1 and TEST 2.
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

describe('Ed25519', () => {
  it('reproduces RFC 8032 test vectors from raw keys', () => {
    for (const v of RFC8032) {
      const sig = ed25519Sign(hexToBytes(v.msg), hexToBytes(v.seed));
      expect(bytesToHex(sig)).toBe(v.sig);
      expect(ed25519Verify(hexToBytes(v.msg), sig, hexToBytes(v.pub))).toBe(true);
    }
  });

  it('signs with PEM keys and interoperates with @noble/curves', () => {
    const pair = ed25519GenerateKeyPair();
    expect(pair.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(ed25519RawPublicKey(pair.publicKey)).toEqual(pair.publicKeyRaw);
    const msg = new TextEncoder().encode('ledger block 42');
    const sig = ed25519Sign(msg, pair.privateKey);
    expect(ed25519Verify(msg, sig, pair.publicKey)).toBe(true);
    expect(ed25519Verify(msg, sig, pair.publicKeyRaw)).toBe(true);
    expect(nobleEd25519.verify(sig, msg, pair.publicKeyRaw)).toBe(true);
    const seed = nobleEd25519.utils.randomSecretKey();
    const nobleSig = nobleEd25519.sign(msg, seed);
    expect(ed25519Verify(msg, nobleSig, nobleEd25519.getPublicKey(seed))).toBe(true);
    expect(ed25519Sign(msg, seed)).toEqual(nobleSig);
  });

  it('rejects tampering and garbage without throwing', () => {
    const pair = ed25519GenerateKeyPair();
    const sig = ed25519Sign('m', pair.privateKey);
    const bad = Uint8Array.from(sig);
    bad[0]! ^= 1;
    expect(ed25519Verify('m', bad, pair.publicKey)).toBe(false);
    expect(ed25519Verify('n', sig, pair.publicKey)).toBe(false);
    expect(ed25519Verify('m', sig.subarray(0, 63), pair.publicKey)).toBe(false);
    expect(ed25519Verify('m', sig, 'not a key')).toBe(false);
    expect(ed25519Verify('m', sig, new Uint8Array(5))).toBe(false);
    expect(() => ed25519Sign('m', new Uint8Array(31))).toThrow();
    expect(() => ed25519Sign('m', pair.publicKey)).toThrow();
    expect(() => ed25519RawPublicKey('not a key')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
