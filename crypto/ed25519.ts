import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { fail } from '../common/errors.ts';
import { concatBytes, fromBuffer, toBytes, type BytesLike } from './bytes.ts';

export interface Ed25519KeyPair {
  /** PKCS#8 PEM. */
  privateKey: string;
  /** SubjectPublicKeyInfo PEM. */
  publicKey: string;
  /** The 32-byte public key as RFC 8032 defines it. */
  publicKeyRaw: Uint8Array;
}

// Fixed DER headers that wrap a raw RFC 8032 seed or public key into PKCS#8 / SPKI.
const PKCS8_PREFIX = Uint8Array.from(Buffer.from('302e020100300506032b657004220420', 'hex'));
const SPKI_PREFIX = Uint8Array.from(Buffer.from('302a300506032b6570032100', 'hex'));

export function ed25519GenerateKeyPair(): Ed25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicKeyRaw: ed25519RawPublicKey(publicKey),
  };
}

/** 64-byte signature; the key is PKCS#8 PEM or the raw 32-byte seed. */
export function ed25519Sign(message: BytesLike, privateKey: string | Uint8Array): Uint8Array {
  return fromBuffer(sign(null, toBytes(message), privateKeyObject(privateKey)));
}

/** Never throws: malformed keys or signatures do not verify. Key is SPKI PEM or raw 32 bytes. */
export function ed25519Verify(message: BytesLike, signature: Uint8Array, publicKey: string | Uint8Array): boolean {
  try {
    return signature.length === 64 && verify(null, toBytes(message), publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/**
 * The one accepted spelling of an Ed25519 public key: SubjectPublicKeyInfo PEM exactly as Node
 * exports it. Throws VALIDATION_FAILED for anything that is not an Ed25519 key.
 */
export function ed25519CanonicalPublicKey(key: string): string {
  let canonical: string;
  try {
    canonical = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
  } catch {
    throw fail.validation('not an Ed25519 key');
  }
  ed25519RawPublicKey(canonical);
  return canonical;
}

/** The raw 32-byte public key of a PEM (public or private) or KeyObject. */
export function ed25519RawPublicKey(key: string | KeyObject): Uint8Array {
  try {
    const publicKey = typeof key !== 'string' && key.type === 'public' ? key : createPublicKey(key);
    const spki = checkType(publicKey).export({ format: 'der', type: 'spki' });
    return fromBuffer(spki.subarray(SPKI_PREFIX.length));
  } catch {
    throw fail.validation('not an Ed25519 key');
  }
}

function privateKeyObject(key: string | Uint8Array): KeyObject {
  try {
    if (typeof key === 'string') return checkType(createPrivateKey(key));
    if (key.length !== 32) throw new RangeError('seed must be 32 bytes');
    return createPrivateKey({ key: Buffer.from(concatBytes(PKCS8_PREFIX, key)), format: 'der', type: 'pkcs8' });
  } catch {
    throw fail.validation('not an Ed25519 private key');
  }
}

function publicKeyObject(key: string | Uint8Array): KeyObject {
  if (typeof key === 'string') return checkType(createPublicKey(key));
  if (key.length !== 32) throw new RangeError('public key must be 32 bytes');
  return createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, key)), format: 'der', type: 'spki' });
}

function checkType(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('not an Ed25519 key');
  return key;
}
