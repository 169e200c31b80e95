import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sm2, sm3 as sm3Digest } from 'sm-crypto-v2';
import { fail } from '../../../common/errors.ts';
import { checkSm2PrivateKey, SM2_CURVE, SM2_DEFAULT_USER_ID, sm2PublicKeyPoint, sm2SignatureRs } from '../../../crypto/sm2-codec.ts';
import { bytesToHex, hexToBytes, toBytes, type BytesLike } from './bytes.ts';

/**
 * crypto/index.ts for the browser: the primitives the ledger verifier and contract signing use,
 * with the same names, inputs, outputs and refusals, on libraries that run in a page (SM2/SM3
 * from sm-crypto-v2, curve checks and Ed25519 from @noble/curves) instead of node:crypto. The
 * console's build substitutes this module for crypto/index.ts; console/web/platform/crypto.test.ts
 * holds it to the Node implementation on the same inputs.
 */

export { canonicalBytes, canonicalize } from '../../../crypto/jcs.ts';
export { bytesToHex, hexToBytes };

const Sm2Point = weierstrass({ ...SM2_CURVE });
const ED25519_SPKI_PREFIX = '302a300506032b6570032100';
const ED25519_PKCS8_PREFIX = '302e020100300506032b657004220420';

export function sm3(data: BytesLike): Uint8Array {
  return hexToBytes(sm3Digest(toBytes(data)));
}

export function sm3Hex(data: BytesLike): string {
  return sm3Digest(toBytes(data));
}

export function normalizeSm2PublicKey(input: string): string {
  const point = sm2PublicKeyPoint(input);
  try {
    return Sm2Point.fromBytes(point).toHex(false);
  } catch {
    throw fail.validation('SM2 public key is not a point on the SM2 curve');
  }
}

export function sm2PublicKeyFromPrivate(privateKeyHex: string): string {
  return sm2.getPublicKeyFromPrivateKey(checkSm2PrivateKey(privateKeyHex)).toLowerCase();
}

/** DER hex over SM3(Z‖message), Z from the default signer ID: what SURFACE asks contract approvals to be. */
export function sm2Sign(message: BytesLike, privateKeyHex: string): string {
  return sm2.doSignature(message, checkSm2PrivateKey(privateKeyHex), { hash: true, der: true, userId: SM2_DEFAULT_USER_ID });
}

export function sm2Verify(message: BytesLike, signatureDerHex: string, publicKey: string): boolean {
  try {
    const rs = sm2SignatureRs(signatureDerHex);
    return sm2.doVerifySignature(message, rs, normalizeSm2PublicKey(publicKey), { hash: true, der: false, userId: SM2_DEFAULT_USER_ID });
  } catch {
    return false;
  }
}

/** The 32-byte key inside an Ed25519 SubjectPublicKeyInfo PEM (the only form proofs carry). */
export function ed25519RawPublicKey(key: string): Uint8Array {
  const der = pemBody(key, 'PUBLIC KEY');
  const hex = der ? bytesToHex(der) : '';
  if (hex.length !== 88 || !hex.startsWith(ED25519_SPKI_PREFIX)) throw fail.validation('not an Ed25519 key');
  return hexToBytes(hex.slice(ED25519_SPKI_PREFIX.length));
}

/** SPKI PEM as Node exports it: one base64 line between the armour lines, and a final newline. */
export function ed25519CanonicalPublicKey(key: string): string {
  const raw = ed25519RawPublicKey(key);
  const base64 = btoa(String.fromCharCode(...hexToBytes(ED25519_SPKI_PREFIX + bytesToHex(raw))));
  return `-----BEGIN PUBLIC KEY-----\n${base64}\n-----END PUBLIC KEY-----\n`;
}

/** Strict RFC 8032 verification, as OpenSSL does it (no ZIP-215 leniency). */
export function ed25519Verify(message: BytesLike, signature: Uint8Array, publicKey: string | Uint8Array): boolean {
  try {
    const key = typeof publicKey === 'string' ? ed25519RawPublicKey(publicKey) : publicKey;
    return signature.length === 64 && ed25519.verify(signature, toBytes(message), key, { zip215: false });
  } catch {
    return false;
  }
}

export function ed25519Sign(message: BytesLike, privateKey: string | Uint8Array): Uint8Array {
  const seed = typeof privateKey === 'string' ? pkcs8Seed(privateKey) : privateKey;
  if (seed.length !== 32) throw fail.validation('not an Ed25519 private key');
  return ed25519.sign(toBytes(message), seed);
}

function pkcs8Seed(pem: string): Uint8Array {
  const hex = bytesToHex(pemBody(pem, 'PRIVATE KEY') ?? new Uint8Array());
  if (hex.length !== 96 || !hex.startsWith(ED25519_PKCS8_PREFIX)) throw fail.validation('not an Ed25519 private key');
  return hexToBytes(hex.slice(ED25519_PKCS8_PREFIX.length));
}

function pemBody(pem: string, label: string): Uint8Array | undefined {
  const match = new RegExp(`^-----BEGIN ${label}-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END ${label}-----\\s*$`).exec(pem.trim());
  if (!match) return undefined;
  try {
    return Uint8Array.from(atob(match[1]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
