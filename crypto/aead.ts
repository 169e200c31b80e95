import { createCipheriv, createDecipheriv } from 'node:crypto';
import { fail } from '../common/errors.ts';
import { toBytes, type BytesLike } from './bytes.ts';
import { createBlockCipher } from './block.ts';
import { AeadError, createGcm, GCM_NONCE_BYTES, GCM_SHORT_MESSAGE, GCM_TAG_BYTES, type Gcm } from './gcm.ts';
import { randomFillPublic } from './random.ts';

export { AeadError };

export type AeadAlg = 'SM4-GCM' | 'AES-256-GCM';

export const AEAD_KEY_BYTES: Readonly<Record<AeadAlg, number>> = { 'SM4-GCM': 16, 'AES-256-GCM': 32 };
export const AEAD_NONCE_BYTES = GCM_NONCE_BYTES;
export const AEAD_TAG_BYTES = GCM_TAG_BYTES;

/** An AEAD bound to one key; reuse it for many messages to keep its key schedule and tables. */
export interface Aead {
  encrypt(nonce: Uint8Array, plaintext: Uint8Array, aad?: BytesLike): Uint8Array;
  decrypt(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad?: BytesLike): Uint8Array;
  /** nonce‖ciphertext‖tag with a fresh random nonce. */
  seal(plaintext: Uint8Array, aad?: BytesLike): Uint8Array;
  open(sealed: Uint8Array, aad?: BytesLike): Uint8Array;
}

const EMPTY = new Uint8Array();

export function createAead(alg: AeadAlg, key: Uint8Array): Aead {
  const keyBytes = AEAD_KEY_BYTES[alg];
  if (keyBytes === undefined) throw fail.validation('unsupported AEAD algorithm');
  if (key.length !== keyBytes) throw fail.validation(`${alg} keys are ${keyBytes} bytes`);
  const gcm = alg === 'SM4-GCM' ? createGcm(createBlockCipher('SM4', key)) : aesGcm(Uint8Array.from(key));
  const encrypt = (nonce: Uint8Array, plaintext: Uint8Array, aad: BytesLike = EMPTY): Uint8Array =>
    gcm.encrypt(nonce, plaintext, toBytes(aad));
  const decrypt = (nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: BytesLike = EMPTY): Uint8Array =>
    gcm.decrypt(nonce, ciphertextAndTag, toBytes(aad));
  return {
    encrypt,
    decrypt,
    seal(plaintext, aad) {
      const nonce = new Uint8Array(GCM_NONCE_BYTES);
      randomFillPublic(nonce);
      const body = encrypt(nonce, plaintext, aad);
      const sealed = new Uint8Array(GCM_NONCE_BYTES + body.length);
      sealed.set(nonce);
      sealed.set(body, GCM_NONCE_BYTES);
      return sealed;
    },
    open(sealed, aad) {
      if (sealed.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) throw new AeadError();
      return decrypt(sealed.subarray(0, GCM_NONCE_BYTES), sealed.subarray(GCM_NONCE_BYTES), aad);
    },
  };
}

/**
 * Short messages go through our GCM over a cached AES-ECB context, which avoids creating an
 * OpenSSL GCM context per field; longer ones through OpenSSL's aes-256-gcm, whose hardware GHASH
 * wins once there is data to amortize it. Both give identical output (tests hold them to it).
 */
function aesGcm(key: Uint8Array): Gcm {
  const short = createGcm(createBlockCipher('AES', key));
  const long = nativeAesGcm(key);
  return {
    encrypt: (nonce, plaintext, aad) =>
      (plaintext.length + aad.length <= GCM_SHORT_MESSAGE ? short : long).encrypt(nonce, plaintext, aad),
    decrypt: (nonce, ciphertextAndTag, aad) =>
      (ciphertextAndTag.length - GCM_TAG_BYTES + aad.length <= GCM_SHORT_MESSAGE ? short : long).decrypt(nonce, ciphertextAndTag, aad),
  };
}

function nativeAesGcm(key: Uint8Array): Gcm {
  const checkNonce = (nonce: Uint8Array): void => {
    if (nonce.length !== GCM_NONCE_BYTES) throw fail.validation('GCM nonce must be 12 bytes');
  };
  return {
    encrypt(nonce, plaintext, aad) {
      checkNonce(nonce);
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
      cipher.setAAD(aad);
      return Uint8Array.from(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
    },
    decrypt(nonce, ciphertextAndTag, aad) {
      checkNonce(nonce);
      if (ciphertextAndTag.length < GCM_TAG_BYTES) throw new AeadError();
      const split = ciphertextAndTag.length - GCM_TAG_BYTES;
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(ciphertextAndTag.subarray(split));
      try {
        return Uint8Array.from(Buffer.concat([decipher.update(ciphertextAndTag.subarray(0, split)), decipher.final()]));
      } catch {
        throw new AeadError();
      }
    },
  };
}

// The one-shot functions reuse a key's AEAD while the caller holds the same key array (a DEK kept
// in memory), so key schedule and GHASH tables are not rebuilt per field. The cached copy of the
// key bytes catches callers that overwrite or zero their array in place.
const cache = new WeakMap<Uint8Array, { alg: AeadAlg; key: Uint8Array; aead: Aead }>();

function aeadFor(alg: AeadAlg, key: Uint8Array): Aead {
  const hit = cache.get(key);
  if (hit !== undefined && hit.alg === alg && sameBytes(hit.key, key)) return hit.aead;
  const aead = createAead(alg, key);
  cache.set(key, { alg, key: Uint8Array.from(key), aead });
  return aead;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** ciphertext‖tag. */
export function aeadEncrypt(alg: AeadAlg, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: BytesLike): Uint8Array {
  return aeadFor(alg, key).encrypt(nonce, plaintext, aad);
}

/** Throws AeadError (DECRYPT_FAILED) on any mismatch. */
export function aeadDecrypt(alg: AeadAlg, key: Uint8Array, nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad?: BytesLike): Uint8Array {
  return aeadFor(alg, key).decrypt(nonce, ciphertextAndTag, aad);
}

/** nonce‖ciphertext‖tag with a random 96-bit nonce. */
export function seal(alg: AeadAlg, key: Uint8Array, plaintext: Uint8Array, aad?: BytesLike): Uint8Array {
  return aeadFor(alg, key).seal(plaintext, aad);
}

export function open(alg: AeadAlg, key: Uint8Array, sealed: Uint8Array, aad?: BytesLike): Uint8Array {
  return aeadFor(alg, key).open(sealed, aad);
}
