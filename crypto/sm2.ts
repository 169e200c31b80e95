import { createRequire } from 'node:module';
import type { weierstrass, WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import type { sm2 } from 'sm-crypto-v2';
import { fail, SluiceError } from '../common/errors.ts';
import { bytesToHex, concatBytes, hexToBytes, type BytesLike } from './bytes.ts';
import { checkSm2PrivateKey as checkPrivateKey, SM2_CURVE, SM2_DEFAULT_USER_ID, sm2PublicKeyPoint, sm2SignatureRs } from './sm2-codec.ts';

export { SM2_DEFAULT_USER_ID };

export interface Sm2KeyPair {
  /** 64 hex characters. */
  privateKey: string;
  /** '04' + 128 hex characters (uncompressed point). */
  publicKey: string;
}

export interface Sm2Options {
  userId?: string;
}

interface Sm2Libraries {
  smV2: typeof sm2;
  Sm2Point: WeierstrassPointCons<bigint>;
}

let libraries: Sm2Libraries | undefined;

/**
 * sm-crypto-v2 and the curve arithmetic load on first use: most processes importing crypto (the
 * desensitize CLI and its worker threads among them) never touch SM2, and loading them up front
 * cost ~70 ms of every start under tsx. sm-crypto-v2 signs and encrypts; the curve, GB/T 32918.5's
 * recommended one, only parses and validates points (decompression, on-curve checks), which that
 * library does not expose.
 */
function sm2Libraries(): Sm2Libraries {
  return (libraries ??= loadSm2Libraries());
}

function loadSm2Libraries(): Sm2Libraries {
  const load = createRequire(import.meta.url);
  const noble = load('@noble/curves/abstract/weierstrass.js') as { weierstrass: typeof weierstrass };
  const smV2 = (load('sm-crypto-v2') as { sm2: typeof sm2 }).sm2;
  const Sm2Point = noble.weierstrass({ ...SM2_CURVE });
  return { smV2, Sm2Point };
}

export function sm2GenerateKeyPair(): Sm2KeyPair {
  const { privateKey, publicKey } = sm2Libraries().smV2.generateKeyPairHex();
  return { privateKey: privateKey.toLowerCase(), publicKey: publicKey.toLowerCase() };
}

export function sm2PublicKeyFromPrivate(privateKeyHex: string): string {
  return sm2Libraries().smV2.getPublicKeyFromPrivateKey(checkPrivateKey(privateKeyHex)).toLowerCase();
}

/**
 * Accepts an SM2 public key as uncompressed ('04…') or compressed ('02…'/'03…') hex, or as a PEM
 * SubjectPublicKeyInfo naming the SM2 curve, and returns it as lowercase '04' + x + y hex.
 * Throws VALIDATION_FAILED for anything else, including points not on the curve.
 */
export function normalizeSm2PublicKey(input: string): string {
  const point = sm2PublicKeyPoint(input);
  try {
    return sm2Libraries().Sm2Point.fromBytes(point).toHex(false);
  } catch {
    throw fail.validation('SM2 public key is not a point on the SM2 curve');
  }
}

/**
 * SM2 signature over SM3(Z‖message) with Z from the signer identity (GM/T 0009), DER hex:
 * the same bytes `sm-crypto`'s `doSignature(msg, key, {hash: true, der: true})` produces.
 */
export function sm2Sign(message: BytesLike, privateKeyHex: string, options: Sm2Options = {}): string {
  return sm2Libraries().smV2.doSignature(message, checkPrivateKey(privateKeyHex), {
    hash: true,
    der: true,
    userId: options.userId ?? SM2_DEFAULT_USER_ID,
  });
}

/** Never throws: malformed signatures or keys simply do not verify. */
export function sm2Verify(message: BytesLike, signatureDerHex: string, publicKey: string, options: Sm2Options = {}): boolean {
  try {
    const rs = sm2SignatureRs(signatureDerHex);
    return sm2Libraries().smV2.doVerifySignature(message, rs, normalizeSm2PublicKey(publicKey), {
      hash: true,
      der: false,
      userId: options.userId ?? SM2_DEFAULT_USER_ID,
    });
  } catch {
    return false;
  }
}

/**
 * SM2 public-key encryption (GB/T 32918.4), output C1‖C3‖C2 with C1 as an uncompressed point
 * including its 04 prefix. (`sm-crypto`'s hex form omits that prefix byte.) Empty plaintexts are
 * refused because sm-crypto-v2 reports a failed decryption as an empty result.
 */
export function sm2Encrypt(publicKey: string, data: Uint8Array): Uint8Array {
  if (data.length === 0) throw fail.validation('SM2 encryption needs a non-empty plaintext');
  const c1c3c2 = sm2Libraries().smV2.doEncrypt(data, normalizeSm2PublicKey(publicKey), 1);
  return concatBytes(Uint8Array.of(4), hexToBytes(c1c3c2));
}

export function sm2Decrypt(privateKeyHex: string, ciphertext: Uint8Array): Uint8Array {
  const key = checkPrivateKey(privateKeyHex);
  if (ciphertext.length <= 97 || ciphertext[0] !== 4) throw decryptFailed();
  let plaintext: Uint8Array;
  try {
    plaintext = sm2Libraries().smV2.doDecrypt(bytesToHex(ciphertext.subarray(1)), key, 1, { output: 'array' });
  } catch (cause) {
    throw decryptFailed(cause);
  }
  if (plaintext.length === 0) throw decryptFailed();
  return Uint8Array.from(plaintext);
}

function decryptFailed(cause?: unknown): SluiceError {
  return new SluiceError('DECRYPT_FAILED', 'SM2 decryption failed', undefined, { cause });
}
