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

export interface GcmItem {
  nonce: Uint8Array;
  /** Plaintext when encrypting, ciphertext‖tag when decrypting. */
  data: Uint8Array;
  aad: Uint8Array;
}

export interface Gcm {
  encrypt(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  decrypt(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array;
  /**
   * The same outputs as `encrypt` per item, but the counter blocks of many short items go to the
   * block cipher in one call, so a row of fields pays the native-call overhead once.
   */
  encryptMany(items: readonly GcmItem[]): Uint8Array[];
  /** Throws AeadError if any item fails authentication; no plaintext is returned then. */
  decryptMany(items: readonly GcmItem[]): Uint8Array[];
}

// Counter blocks handed to the block cipher in one call (64 KiB).
const BATCH_BLOCKS = 4096;

/** GCM (NIST SP 800-38D) with 96-bit nonces and 128-bit tags over any 128-bit block cipher. */
export function createGcm(cipher: BlockCipher): Gcm {
  const ghash = createGhash(cipher.encryptBlocks(new Uint8Array(16)));

  // Counter blocks are rebuilt in one scratch buffer; views per block count are kept so the hot
  // path allocates nothing before the native call.
  const counters = new Uint8Array(BATCH_BLOCKS * 16);
  const counterViews: Uint8Array[] = [];

  /** Blocks an item needs from the batch: E(J0), plus its keystream when short. */
  const blocksFor = (length: number): number => (length > GCM_SHORT_MESSAGE ? 1 : 1 + ((length + 15) >>> 4));

  /**
   * Runs `each(item, index, ks, offset)` for every item, where ks[offset, offset + 16) is E(J0)
   * and, for short items, the keystream follows it. `lengthOf` gives an item's message length.
   */
  const withKeystreams = (
    items: readonly GcmItem[],
    lengthOf: (item: GcmItem) => number,
    each: (item: GcmItem, index: number, ks: Uint8Array, offset: number) => void,
  ): void => {
    for (let start = 0; start < items.length; ) {
      let used = 0;
      let end = start;
      for (; end < items.length; end++) {
        const item = items[end]!;
        const length = lengthOf(item);
        if (item.nonce.length !== GCM_NONCE_BYTES) throw fail.validation('GCM nonce must be 12 bytes');
        if (length > MAX_PLAINTEXT) throw fail.validation('GCM message too long');
        const blocks = blocksFor(length);
        if (used + blocks > BATCH_BLOCKS && end > start) break;
        for (let i = 0; i < blocks; i++) {
          const off = (used + i) * 16;
          counters.set(item.nonce, off);
          // Counter values 1 (J0) .. blocks, all below 2^16; bytes 12 and 13 stay zero.
          const c = i + 1;
          counters[off + 12] = 0;
          counters[off + 13] = 0;
          counters[off + 14] = c >>> 8;
          counters[off + 15] = c;
        }
        used += blocks;
      }
      const ks = cipher.encryptBlocks((counterViews[used] ??= counters.subarray(0, used * 16)));
      for (let index = start, offset = 0; index < end; index++) {
        const item = items[index]!;
        each(item, index, ks, offset);
        offset += blocksFor(lengthOf(item)) * 16;
      }
      start = end;
    }
  };

  const crypt = (nonce: Uint8Array, ks: Uint8Array, offset: number, input: Uint8Array, out: Uint8Array): void => {
    if (input.length > GCM_SHORT_MESSAGE) {
      const counter = new Uint8Array(16);
      counter.set(nonce);
      counter[15] = 2;
      out.set(cipher.ctr(counter, input));
      return;
    }
    const base = offset + 16;
    for (let i = 0; i < input.length; i++) out[i] = input[i]! ^ ks[base + i]!;
  };

  const tag = (ks: Uint8Array, offset: number, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array => {
    const s = ghash.digest(aad, ciphertext);
    for (let i = 0; i < 16; i++) s[i]! ^= ks[offset + i]!;
    return s;
  };

  const encryptMany = (items: readonly GcmItem[]): Uint8Array[] => {
    const results = new Array<Uint8Array>(items.length);
    withKeystreams(items, (item) => item.data.length, (item, index, ks, offset) => {
      const length = item.data.length;
      const out = new Uint8Array(length + GCM_TAG_BYTES);
      const ciphertext = out.subarray(0, length);
      crypt(item.nonce, ks, offset, item.data, ciphertext);
      out.set(tag(ks, offset, item.aad, ciphertext), length);
      results[index] = out;
    });
    return results;
  };

  const decryptMany = (items: readonly GcmItem[]): Uint8Array[] => {
    for (const item of items) if (item.data.length < GCM_TAG_BYTES) throw new AeadError();
    const results = new Array<Uint8Array>(items.length);
    withKeystreams(items, (item) => item.data.length - GCM_TAG_BYTES, (item, index, ks, offset) => {
      const length = item.data.length - GCM_TAG_BYTES;
      const ciphertext = item.data.subarray(0, length);
      if (!timingSafeEqual(tag(ks, offset, item.aad, ciphertext), item.data.subarray(length))) throw new AeadError();
      const plaintext = new Uint8Array(length);
      crypt(item.nonce, ks, offset, ciphertext, plaintext);
      results[index] = plaintext;
    });
    return results;
  };

  return {
    encrypt: (nonce, plaintext, aad) => encryptMany([{ nonce, data: plaintext, aad }])[0]!,
    decrypt: (nonce, ciphertextAndTag, aad) => decryptMany([{ nonce, data: ciphertextAndTag, aad }])[0]!,
    encryptMany,
    decryptMany,
  };
}
