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

// SP 800-38D caps one message at 2^32 - 2 blocks; within it a 128-bit CTR increment (OpenSSL's,
// for AES) never carries out of the low 32 bits, so it equals GCM's inc32 (SM4's, sm4-vector.ts).
const MAX_PLAINTEXT = (2 ** 32 - 2) * 16;
/**
 * Up to this many bytes the keystream comes from counter blocks batched with other messages'
 * through the block cipher's ECB (one call for many short fields); beyond it the cipher's CTR.
 */
export const GCM_SHORT_MESSAGE = 2048;

export interface GcmItem {
  nonce: Uint8Array;
  /** Plaintext when encrypting, ciphertext‖tag when decrypting. */
  data: Uint8Array;
  aad: Uint8Array;
}

/** Plaintexts back to back: message i is data[ends[i - 1] (0 for the first), ends[i]). */
export interface PackedMessages {
  data: Uint8Array;
  ends: ArrayLike<number>;
  /** 12 bytes per message. */
  nonces: Uint8Array;
  /** One per message; a run of the same array is absorbed into GHASH once. */
  aads: readonly Uint8Array[];
}

/**
 * Message i's ciphertext‖tag is out[starts[i] + reserve, starts[i + 1]); the `reserve` bytes
 * before it are the caller's (a nonce, a header), so it can be sent without another copy.
 */
export interface PackedSealed {
  out: Uint8Array;
  starts: Uint32Array;
}

export interface Gcm {
  encrypt(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  decrypt(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array;
  /**
   * The same outputs as `encrypt` per item, but the counter blocks of many short items go to the
   * block cipher in one call, so a row of fields pays the native-call overhead once.
   */
  encryptMany(items: readonly GcmItem[]): Uint8Array[];
  /** `encryptMany` without an object or a buffer per message, into one output buffer. */
  encryptPacked(messages: PackedMessages, reserve: number): PackedSealed;
  /** Throws AeadError if any item fails authentication; no plaintext is returned then. */
  decryptMany(items: readonly GcmItem[]): Uint8Array[];
}

/** Byte arrays back to back in one buffer, with where each ends. */
export function packBytes(parts: readonly Uint8Array[]): { data: Uint8Array; ends: Uint32Array } {
  const ends = new Uint32Array(parts.length);
  let total = 0;
  parts.forEach((part, i) => (ends[i] = total += part.length));
  const data = new Uint8Array(total);
  parts.forEach((part, i) => data.set(part, ends[i]! - part.length));
  return { data, ends };
}

function packNonces(items: readonly GcmItem[]): Uint8Array {
  const nonces = new Uint8Array(items.length * GCM_NONCE_BYTES);
  items.forEach((item, i) => {
    if (item.nonce.length !== GCM_NONCE_BYTES) throw fail.validation('GCM nonce must be 12 bytes');
    for (let k = 0; k < GCM_NONCE_BYTES; k++) nonces[i * GCM_NONCE_BYTES + k] = item.nonce[k]!;
  });
  return nonces;
}

// Counter blocks handed to the block cipher in one call (64 KiB).
const BATCH_BLOCKS = 4096;

/** GCM (NIST SP 800-38D) with 96-bit nonces and 128-bit tags over any 128-bit block cipher. */
export function createGcm(cipher: BlockCipher): Gcm {
  const ghash = createGhash(cipher.encryptBlocks(new Uint8Array(16)));

  // Counter blocks are rebuilt in one scratch buffer; views per block count are kept so the hot
  // path allocates nothing before the block cipher call.
  const counters = new Uint8Array(BATCH_BLOCKS * 16);
  const counterViews: Uint8Array[] = [];

  /** Blocks a message needs from the batch: E(J0), plus its keystream when short. */
  const blocksFor = (length: number): number => (length > GCM_SHORT_MESSAGE ? 1 : 1 + ((length + 15) >>> 4));

  let ks: Uint8Array = counters;

  /**
   * Encrypts the counter blocks of messages start, start + 1, … as far as one batch goes, into
   * `ks`, and returns where the batch ends. Each message gets E(J0) and, when short, its keystream
   * right after it: blocksFor(length) blocks. Message i has lengths[i] bytes under the nonce
   * nonces[12·i, 12·i + 12).
   */
  const nextBatch = (lengths: Uint32Array, nonces: Uint8Array, start: number): number => {
    let used = 0;
    let end = start;
    for (; end < lengths.length; end++) {
      const blocks = blocksFor(lengths[end]!);
      if (used + blocks > BATCH_BLOCKS && end > start) break;
      const from = end * GCM_NONCE_BYTES;
      for (let i = 0; i < blocks; i++) {
        const off = (used + i) * 16;
        for (let k = 0; k < GCM_NONCE_BYTES; k++) counters[off + k] = nonces[from + k]!;
        // Counter values 1 (J0) .. blocks, all below 2^16; bytes 12 and 13 stay zero.
        const c = i + 1;
        counters[off + 12] = 0;
        counters[off + 13] = 0;
        counters[off + 14] = c >>> 8;
        counters[off + 15] = c;
      }
      used += blocks;
    }
    ks = cipher.encryptBlocks((counterViews[used] ??= counters.subarray(0, used * 16)));
    return end;
  };

  const checked = (lengths: Uint32Array, nonces: Uint8Array): void => {
    if (nonces.length !== lengths.length * GCM_NONCE_BYTES) throw fail.validation('GCM nonce must be 12 bytes');
    for (const length of lengths) if (length > MAX_PLAINTEXT) throw fail.validation('GCM message too long');
  };

  /** out[at, + length) = input[from, + length) XOR the keystream of message `index`, whose blocks start at ks[offset]. */
  const crypt = (nonces: Uint8Array, index: number, offset: number, input: Uint8Array, from: number, length: number, out: Uint8Array, at: number): void => {
    if (length > GCM_SHORT_MESSAGE) {
      const counter = new Uint8Array(16);
      counter.set(nonces.subarray(index * GCM_NONCE_BYTES, (index + 1) * GCM_NONCE_BYTES));
      counter[15] = 2;
      out.set(cipher.ctr(counter, input.subarray(from, from + length)), at);
      return;
    }
    const base = offset + 16;
    for (let i = 0; i < length; i++) out[at + i] = input[from + i]! ^ ks[base + i]!;
  };

  /** Puts E(J0) of the message whose blocks start at ks[offset] into out[at, + 16), for GHASH to finish into the tag. */
  const startTag = (offset: number, out: Uint8Array, at: number): void => {
    for (let i = 0; i < 16; i++) out[at + i] = ks[offset + i]!;
  };

  const encryptPacked = (messages: PackedMessages, reserve: number): PackedSealed => {
    const { data, ends, nonces, aads } = messages;
    const count = ends.length;
    const lengths = new Uint32Array(count);
    const starts = new Uint32Array(count + 1);
    for (let i = 0; i < count; i++) {
      lengths[i] = ends[i]! - (i === 0 ? 0 : ends[i - 1]!);
      starts[i + 1] = starts[i]! + reserve + lengths[i]! + GCM_TAG_BYTES;
    }
    checked(lengths, nonces);
    const out = new Uint8Array(starts[count]!);
    // A run of messages under the same AAD array shares its GHASH prefix.
    let aad: Uint8Array | undefined;
    let prefix: Uint8Array | undefined;
    for (let start = 0, end = 0; start < count; start = end) {
      end = nextBatch(lengths, nonces, start);
      for (let i = start, offset = 0; i < end; offset += blocksFor(lengths[i]!) * 16, i++) {
        const length = lengths[i]!;
        const at = starts[i]! + reserve;
        if (aads[i] !== aad) prefix = ghash.prefix((aad = aads[i]!));
        crypt(nonces, i, offset, data, ends[i]! - length, length, out, at);
        startTag(offset, out, at + length);
        ghash.finish(prefix!, aad!.length, out, at, length, out, at + length);
      }
    }
    return { out, starts };
  };

  const encryptMany = (items: readonly GcmItem[]): Uint8Array[] => {
    const { data, ends } = packBytes(items.map((item) => item.data));
    const { out, starts } = encryptPacked({ data, ends, nonces: packNonces(items), aads: items.map((item) => item.aad) }, 0);
    return items.map((_, i) => out.subarray(starts[i]!, starts[i + 1]!));
  };

  const decryptMany = (items: readonly GcmItem[]): Uint8Array[] => {
    for (const item of items) if (item.data.length < GCM_TAG_BYTES) throw new AeadError();
    const nonces = packNonces(items);
    const lengths = new Uint32Array(items.length);
    items.forEach((item, i) => (lengths[i] = item.data.length - GCM_TAG_BYTES));
    checked(lengths, nonces);
    const results = new Array<Uint8Array>(items.length);
    const expected = new Uint8Array(GCM_TAG_BYTES);
    let aad: Uint8Array | undefined;
    let prefix: Uint8Array | undefined;
    for (let start = 0, end = 0; start < items.length; start = end) {
      end = nextBatch(lengths, nonces, start);
      for (let i = start, offset = 0; i < end; offset += blocksFor(lengths[i]!) * 16, i++) {
        const item = items[i]!;
        const length = lengths[i]!;
        if (item.aad !== aad) prefix = ghash.prefix((aad = item.aad));
        startTag(offset, expected, 0);
        ghash.finish(prefix!, aad.length, item.data, 0, length, expected, 0);
        if (!timingSafeEqual(expected, item.data.subarray(length))) throw new AeadError();
        const plaintext = new Uint8Array(length);
        crypt(nonces, i, offset, item.data, 0, length, plaintext, 0);
        results[i] = plaintext;
      }
    }
    return results;
  };

  return {
    encrypt: (nonce, plaintext, aad) => encryptMany([{ nonce, data: plaintext, aad }])[0]!,
    decrypt: (nonce, ciphertextAndTag, aad) => decryptMany([{ nonce, data: ciphertextAndTag, aad }])[0]!,
    encryptMany,
    encryptPacked,
    decryptMany,
  };
}
