import { timingSafeEqual } from 'node:crypto';
import { fail, SluiceError } from '../common/errors.ts';
import type { BlockCipher } from './block.ts';
import { createGhash } from './ghash.ts';

/** Authentication failed: wrong key, nonce, AAD, or a modified ciphertext or tag. */
export class AeadError extends SluiceError {
  constructor() {
    super('DECRYPT_FAILED', 'authenticated decryption failed');
    this.name = 'AeadError';
  }
}

export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;

// SP 800-38D caps one message at 2^32 - 2 blocks; within it OpenSSL's 128-bit CTR increment
// never carries out of the low 32 bits, so it equals GCM's inc32.
const MAX_PLAINTEXT = (2 ** 32 - 2) * 16;
/**
 * Up to this many bytes the keystream comes from counter blocks through the cached ECB context
 * (no per-call cipher object); beyond it OpenSSL's CTR mode is faster.
 */
export const GCM_SHORT_MESSAGE = 2048;

export interface Gcm {
  encrypt(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  decrypt(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array;
}

/** GCM (NIST SP 800-38D) with 96-bit nonces and 128-bit tags over any 128-bit block cipher. */
export function createGcm(cipher: BlockCipher): Gcm {
  const ghash = createGhash(cipher.encryptBlocks(new Uint8Array(16)));

  // Counter blocks for short messages are rebuilt in one scratch buffer; views per block count
  // are kept so the hot path allocates nothing before the native call.
  const counters = new Uint8Array((1 + GCM_SHORT_MESSAGE / 16) * 16);
  const counterViews: Uint8Array[] = [];

  /** E(J0), followed for short messages by their keystream. */
  const keystream = (nonce: Uint8Array, length: number): Uint8Array => {
    if (nonce.length !== GCM_NONCE_BYTES) throw fail.validation('GCM nonce must be 12 bytes');
    if (length > MAX_PLAINTEXT) throw fail.validation('GCM message too long');
    const blocks = length > GCM_SHORT_MESSAGE ? 1 : 1 + ((length + 15) >>> 4);
    for (let i = 0; i < blocks; i++) {
      const off = i * 16;
      counters.set(nonce, off);
      // Counter values 1 (J0) .. blocks, all below 2^16.
      const c = i + 1;
      counters[off + 14] = c >>> 8;
      counters[off + 15] = c;
    }
    const view = (counterViews[blocks] ??= counters.subarray(0, blocks * 16));
    return cipher.encryptBlocks(view);
  };

  const crypt = (nonce: Uint8Array, ks: Uint8Array, input: Uint8Array, out: Uint8Array): void => {
    if (input.length > GCM_SHORT_MESSAGE) {
      const counter = new Uint8Array(16);
      counter.set(nonce);
      counter[15] = 2;
      out.set(cipher.ctr(counter, input));
      return;
    }
    for (let i = 0; i < input.length; i++) out[i] = input[i]! ^ ks[i + 16]!;
  };

  const tag = (ks: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array => {
    const s = ghash.digest(aad, ciphertext);
    for (let i = 0; i < 16; i++) s[i]! ^= ks[i]!;
    return s;
  };

  return {
    encrypt(nonce, plaintext, aad) {
      const ks = keystream(nonce, plaintext.length);
      const out = new Uint8Array(plaintext.length + GCM_TAG_BYTES);
      const ciphertext = out.subarray(0, plaintext.length);
      crypt(nonce, ks, plaintext, ciphertext);
      out.set(tag(ks, aad, ciphertext), plaintext.length);
      return out;
    },
    decrypt(nonce, ciphertextAndTag, aad) {
      if (ciphertextAndTag.length < GCM_TAG_BYTES) throw new AeadError();
      const length = ciphertextAndTag.length - GCM_TAG_BYTES;
      const ciphertext = ciphertextAndTag.subarray(0, length);
      const ks = keystream(nonce, length);
      if (!timingSafeEqual(tag(ks, aad, ciphertext), ciphertextAndTag.subarray(length))) throw new AeadError();
      const plaintext = new Uint8Array(length);
      crypt(nonce, ks, ciphertext, plaintext);
      return plaintext;
    },
  };
}
