import { createAead, type AeadAlg } from '../../../crypto/index.ts';
import { fail, SluiceError } from '../../../common/errors.ts';
import type { EncryptAlg, EncryptorSource, FieldEncryptor } from '../types.ts';

/**
 * Field ciphertext, base64 of:
 *   version (1) ‖ alg (1) ‖ keyRef length (1) ‖ keyRef (UTF-8) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
 * The header travels in clear so the owner knows which KMS key unwraps the data key; the AAD
 * is the header followed by the field name, so a ciphertext cannot be moved to another field or
 * relabelled with another key reference without failing authentication.
 */
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ALG_IDS: Record<EncryptAlg, number> = { SM4: 1, 'AES-256-GCM': 2 };
const AEAD_OF: Record<EncryptAlg, AeadAlg> = { SM4: 'SM4-GCM', 'AES-256-GCM': 'AES-256-GCM' };
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function header(alg: EncryptAlg, keyRef: string): Uint8Array {
  const ref = encoder.encode(keyRef);
  if (ref.length === 0 || ref.length > 255) throw fail.validation('key reference must be 1 to 255 bytes');
  return Uint8Array.of(VERSION, ALG_IDS[alg], ref.length, ...ref);
}

function aadOf(head: Uint8Array, field: string): Uint8Array {
  const name = encoder.encode(field);
  const aad = new Uint8Array(head.length + 2 + name.length);
  aad.set(head);
  aad[head.length] = name.length >>> 8;
  aad[head.length + 1] = name.length & 0xff;
  aad.set(name, head.length + 2);
  return aad;
}

/**
 * The default `FieldEncryptor`: SM4-GCM (or AES-256-GCM) under a data key that exists in clear
 * only in memory; whoever stores the output keeps the KMS-wrapped data key, so decryption
 * goes through the KMS. Every call draws a fresh random nonce: equal inputs give different outputs.
 */
export function createFieldEncryptor(alg: EncryptAlg, dataKey: Uint8Array, keyRef: string): FieldEncryptor {
  if (ALG_IDS[alg] === undefined) throw fail.validation('unsupported field encryption algorithm');
  const aead = createAead(AEAD_OF[alg], dataKey);
  const head = header(alg, keyRef);
  const aads = new Map<string, Uint8Array>();
  let column = Buffer.allocUnsafe(0);
  const aadFor = (field: string): Uint8Array => {
    let aad = aads.get(field);
    if (aad === undefined) aads.set(field, (aad = aadOf(head, field)));
    return aad;
  };
  // The column's UTF-8 back to back, sealed into one buffer with room for the header before each
  // value: one block-cipher call and no buffer per value.
  const encryptMany = (values: readonly string[], field: string): string[] => {
    const ends = new Uint32Array(values.length);
    let bytes = 0;
    for (const value of values) bytes += value.length * 3;
    if (column.length < bytes) column = Buffer.allocUnsafe(bytes);
    let end = 0;
    values.forEach((value, i) => (ends[i] = end += column.write(value, end)));
    const { out, starts } = aead.sealPacked(column.subarray(0, end), ends, aadFor(field), head.length);
    const sealed = Buffer.from(out.buffer, out.byteOffset, out.length);
    return values.map((_, i) => {
      sealed.set(head, starts[i]!);
      return sealed.toString('base64', starts[i]!, starts[i + 1]!);
    });
  };
  return { alg, encrypt: (value, field) => encryptMany([value], field)[0]!, encryptMany };
}

export interface FieldCiphertextInfo {
  version: number;
  alg: EncryptAlg;
  keyRef: string;
}

const invalid = (): SluiceError => new SluiceError('DECRYPT_FAILED', 'not a Sluice field ciphertext');

function split(text: string): { info: FieldCiphertextInfo; head: Uint8Array; nonce: Uint8Array; sealed: Uint8Array } {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length < 3 || bytes[0] !== VERSION) throw invalid();
  const alg = (Object.keys(ALG_IDS) as EncryptAlg[]).find((a) => ALG_IDS[a] === bytes[1]);
  const headLength = 3 + bytes[2]!;
  if (alg === undefined || bytes.length < headLength + NONCE_BYTES + TAG_BYTES) throw invalid();
  let keyRef: string;
  try {
    keyRef = decoder.decode(bytes.subarray(3, headLength));
  } catch {
    throw invalid();
  }
  return {
    info: { version: VERSION, alg, keyRef },
    head: bytes.subarray(0, headLength),
    nonce: bytes.subarray(headLength, headLength + NONCE_BYTES),
    sealed: bytes.subarray(headLength + NONCE_BYTES),
  };
}

/** The clear header of a field ciphertext: which algorithm and which data key it needs. */
export function parseFieldCiphertext(text: string): FieldCiphertextInfo {
  return split(text).info;
}

/**
 * The owner-side inverse of `createFieldEncryptor`. `key` is the unwrapped data key, or a
 * function from the ciphertext's key reference to it. Fails with DECRYPT_FAILED on any
 * tampering, a wrong key, or a ciphertext taken from another field.
 */
export function decryptField(text: string, field: string, key: Uint8Array | ((keyRef: string, alg: EncryptAlg) => Uint8Array)): string {
  const { info, head, nonce, sealed } = split(text);
  const dataKey = typeof key === 'function' ? key(info.keyRef, info.alg) : key;
  const plaintext = createAead(AEAD_OF[info.alg], dataKey).decrypt(nonce, sealed, aadOf(head, field));
  try {
    return decoder.decode(plaintext);
  } catch {
    throw invalid();
  }
}

/** A plaintext data key as the caller holds it in memory (unwrapped by the KMS) and the reference its ciphertexts carry. */
export interface FieldDataKey {
  alg: EncryptAlg;
  key: Uint8Array;
  keyRef: string;
}

/** One encryptor per algorithm from data keys, for `DesensitizerOptions.encryptor`; undefined when there are none. */
export function encryptorsFor(dataKeys: readonly FieldDataKey[]): EncryptorSource | undefined {
  if (dataKeys.length === 0) return undefined;
  const encryptors = new Map(dataKeys.map((d) => [d.alg, createFieldEncryptor(d.alg, d.key, d.keyRef)]));
  return (alg) => {
    const encryptor = encryptors.get(alg);
    if (encryptor === undefined) throw fail.validation('no data key for this algorithm', { param: 'alg' });
    return encryptor;
  };
}
