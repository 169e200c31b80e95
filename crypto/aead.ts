import { createCipheriv, createDecipheriv } from 'node:crypto';
import { fail } from '../common/errors.ts';
import { toBytes, type BytesLike } from './bytes.ts';
import { createBlockCipher } from './block.ts';
import {
  AeadError,
  createGcm,
  GCM_NONCE_BYTES,
  GCM_SHORT_MESSAGE,
  GCM_TAG_BYTES,
  packBytes,
  type Gcm,
  type GcmItem,
  type PackedMessages,
  type PackedSealed,
} from './gcm.ts';
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
  /**
   * `seal` for a batch (e.g. one column of a chunk of rows), one AAD for all or one per item.
   * Outputs equal what `seal` would give with the same nonces; short items share block-cipher
   * calls. The outputs are views of one buffer.
   */
  sealMany(plaintexts: readonly Uint8Array[], aad?: BytesLike | readonly BytesLike[]): Uint8Array[];
  /**
   * `sealMany` over plaintexts back to back in one buffer (plaintext i is data[ends[i - 1] (0 for
   * the first), ends[i])), into one buffer: sealed message i (nonce‖ciphertext‖tag) is
   * out[starts[i] + reserve, starts[i + 1]), and the `reserve` bytes before it are the caller's
   * (a header). Nothing is allocated per message.
   */
  sealPacked(data: Uint8Array, ends: ArrayLike<number>, aad?: BytesLike | readonly BytesLike[], reserve?: number): { out: Uint8Array; starts: Uint32Array };
  /** Throws AeadError if any item fails; then nothing is returned. */
  openMany(sealed: readonly Uint8Array[], aad?: BytesLike | readonly BytesLike[]): Uint8Array[];
}

const EMPTY = new Uint8Array();

/** Each item's AAD as bytes: a single AAD is encoded once and shared. */
function aadList(aad: BytesLike | readonly BytesLike[] | undefined, count: number): Uint8Array[] {
  if (aad === undefined || typeof aad === 'string' || aad instanceof Uint8Array) {
    return new Array<Uint8Array>(count).fill(aad === undefined ? EMPTY : toBytes(aad));
  }
  if (aad.length !== count) throw fail.validation('one AAD per item, or one for all');
  return aad.map(toBytes);
}

export function createAead(alg: AeadAlg, key: Uint8Array): Aead {
  const keyBytes = AEAD_KEY_BYTES[alg];
  if (keyBytes === undefined) throw fail.validation('unsupported AEAD algorithm');
  if (key.length !== keyBytes) throw fail.validation(`${alg} keys are ${keyBytes} bytes`);
  const gcm = alg === 'SM4-GCM' ? createGcm(createBlockCipher('SM4', key)) : aesGcm(Uint8Array.from(key));
  const encrypt = (nonce: Uint8Array, plaintext: Uint8Array, aad: BytesLike = EMPTY): Uint8Array =>
    gcm.encrypt(nonce, plaintext, toBytes(aad));
  const decrypt = (nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: BytesLike = EMPTY): Uint8Array =>
    gcm.decrypt(nonce, ciphertextAndTag, toBytes(aad));
  const sealPacked: Aead['sealPacked'] = (data, ends, aad, reserve = 0) => {
    const nonces = new Uint8Array(GCM_NONCE_BYTES * ends.length);
    randomFillPublic(nonces);
    const sealed = gcm.encryptPacked({ data, ends, nonces, aads: aadList(aad, ends.length) }, reserve + GCM_NONCE_BYTES);
    const { out, starts } = sealed;
    for (let i = 0; i < ends.length; i++) {
      const at = starts[i]! + reserve;
      for (let k = 0; k < GCM_NONCE_BYTES; k++) out[at + k] = nonces[i * GCM_NONCE_BYTES + k]!;
    }
    return sealed;
  };
  return {
    encrypt,
    decrypt,
    seal: (plaintext, aad) => sealPacked(plaintext, [plaintext.length], aad).out,
    open(sealed, aad) {
      if (sealed.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) throw new AeadError();
      return decrypt(sealed.subarray(0, GCM_NONCE_BYTES), sealed.subarray(GCM_NONCE_BYTES), aad);
    },
    sealPacked,
    sealMany(plaintexts, aad) {
      const { data, ends } = packBytes(plaintexts);
      const { out, starts } = sealPacked(data, ends, aad);
      return plaintexts.map((_, i) => out.subarray(starts[i]!, starts[i + 1]!));
    },
    openMany(sealed, aad) {
      const aads = aadList(aad, sealed.length);
      const items = sealed.map((s, i) => {
        if (s.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) throw new AeadError();
        return { nonce: s.subarray(0, GCM_NONCE_BYTES), data: s.subarray(GCM_NONCE_BYTES), aad: aads[i]! };
      });
      return gcm.decryptMany(items);
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
  const isShort = (messageLength: number, aad: Uint8Array): boolean => messageLength + aad.length <= GCM_SHORT_MESSAGE;
  const many = (items: readonly GcmItem[], tagBytes: number, batch: Gcm['encryptMany'], single: SingleGcm['encrypt']): Uint8Array[] => {
    const results = new Array<Uint8Array>(items.length);
    const shortIndexes: number[] = [];
    items.forEach((item, i) => {
      if (isShort(item.data.length - tagBytes, item.aad)) shortIndexes.push(i);
      else results[i] = single(item.nonce, item.data, item.aad);
    });
    batch(shortIndexes.map((i) => items[i]!)).forEach((out, k) => (results[shortIndexes[k]!] = out));
    return results;
  };
  return {
    encrypt: (nonce, plaintext, aad) => (isShort(plaintext.length, aad) ? short : long).encrypt(nonce, plaintext, aad),
    decrypt: (nonce, ciphertextAndTag, aad) =>
      (isShort(ciphertextAndTag.length - GCM_TAG_BYTES, aad) ? short : long).decrypt(nonce, ciphertextAndTag, aad),
    encryptMany: (items) => many(items, 0, short.encryptMany, long.encrypt),
    encryptPacked(messages, reserve) {
      const { ends, aads } = messages;
      for (let i = 0; i < ends.length; i++) {
        if (!isShort(ends[i]! - (i === 0 ? 0 : ends[i - 1]!), aads[i]!)) return packed(many(unpacked(messages), 0, short.encryptMany, long.encrypt), reserve);
      }
      return short.encryptPacked(messages, reserve);
    },
    decryptMany: (items) => many(items, GCM_TAG_BYTES, short.decryptMany, long.decrypt),
  };
}

function unpacked({ data, ends, nonces, aads }: PackedMessages): GcmItem[] {
  return Array.from({ length: ends.length }, (_, i) => ({
    nonce: nonces.subarray(i * GCM_NONCE_BYTES, (i + 1) * GCM_NONCE_BYTES),
    data: data.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!),
    aad: aads[i]!,
  }));
}

function packed(sealed: readonly Uint8Array[], reserve: number): PackedSealed {
  const starts = new Uint32Array(sealed.length + 1);
  sealed.forEach((s, i) => (starts[i + 1] = starts[i]! + reserve + s.length));
  const out = new Uint8Array(starts[sealed.length]!);
  sealed.forEach((s, i) => out.set(s, starts[i]! + reserve));
  return { out, starts };
}

type SingleGcm = Pick<Gcm, 'encrypt' | 'decrypt'>;

function nativeAesGcm(key: Uint8Array): SingleGcm {
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
