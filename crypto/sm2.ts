import { createRequire } from 'node:module';
import type { weierstrass, WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import type { sm2 } from 'sm-crypto-v2';
import { fail, SluiceError } from '../common/errors.ts';
import { bytesToHex, concatBytes, hexToBytes, type BytesLike } from './bytes.ts';
import { readChildren, readTlv, readUnsignedInteger } from './der.ts';

/** GM/T 0009 default signer identity, used unless the caller names another. */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

export interface Sm2KeyPair {
  /** 64 hex characters. */
  privateKey: string;
  /** '04' + 128 hex characters (uncompressed point). */
  publicKey: string;
}

export interface Sm2Options {
  userId?: string;
}

const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

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
  const Sm2Point = noble.weierstrass({
    p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
    n: N,
    h: 1n,
    a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
    b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
    Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
    Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
  });
  return { smV2, Sm2Point };
}

const OID_EC_PUBLIC_KEY = '2a8648ce3d0201'; // 1.2.840.10045.2.1
const OID_SM2 = '2a811ccf5501822d'; // 1.2.156.10197.1.301
const PEM = /^-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----$/;

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
  const text = input.trim();
  const pem = PEM.exec(text);
  const point = pem ? spkiPoint(Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64')) : hexPoint(text);
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
    const { r, s } = parseSignature(signatureDerHex);
    const rs = r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0');
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

function checkPrivateKey(hex: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw fail.validation('SM2 private key must be 64 hex characters');
  const d = BigInt('0x' + hex);
  // GB/T 32918.1 requires d in [1, n-2] so that (1 + d) stays invertible.
  if (d < 1n || d > N - 2n) throw fail.validation('SM2 private key out of range');
  return hex.toLowerCase();
}

function hexPoint(text: string): Uint8Array {
  if (!/^04[0-9a-fA-F]{128}$/.test(text) && !/^0[23][0-9a-fA-F]{64}$/.test(text)) throw fail.validation('SM2 public key must be 04/02/03-prefixed hex or a PEM public key');
  return hexToBytes(text);
}

/** SubjectPublicKeyInfo with id-ecPublicKey + SM2 curve, or the SM2 OID itself as algorithm. */
function spkiPoint(der: Uint8Array): Uint8Array {
  try {
    const outer = readTlv(der, 0);
    if (outer.tag !== 0x30 || outer.end !== der.length) throw new RangeError('not a SEQUENCE');
    const [algorithm, key, ...extra] = readChildren(outer.content);
    if (algorithm?.tag !== 0x30 || key?.tag !== 0x03 || extra.length > 0) throw new RangeError('not an SPKI');
    const [alg, param, ...more] = readChildren(algorithm.content);
    if (alg?.tag !== 0x06 || more.length > 0) throw new RangeError('bad AlgorithmIdentifier');
    const algOid = bytesToHex(alg.content);
    const paramOid = param?.tag === 0x06 ? bytesToHex(param.content) : undefined;
    const sm2Named =
      (algOid === OID_EC_PUBLIC_KEY && paramOid === OID_SM2) ||
      (algOid === OID_SM2 && (param === undefined || paramOid === OID_SM2 || (param.tag === 0x05 && param.content.length === 0)));
    if (!sm2Named) throw new RangeError('not an SM2 key');
    if (key.content[0] !== 0) throw new RangeError('BIT STRING with unused bits');
    return key.content.subarray(1);
  } catch {
    throw fail.validation('PEM is not an SM2 SubjectPublicKeyInfo');
  }
}

function parseSignature(hex: string): { r: bigint; s: bigint } {
  const der = hexToBytes(hex);
  const seq = readTlv(der, 0);
  if (seq.tag !== 0x30 || seq.end !== der.length) throw new RangeError('not a SEQUENCE');
  const [r, s, ...extra] = readChildren(seq.content);
  if (r?.tag !== 0x02 || s?.tag !== 0x02 || extra.length > 0) throw new RangeError('not an SM2 signature');
  const values = { r: readUnsignedInteger(r.content), s: readUnsignedInteger(s.content) };
  if (values.r < 1n || values.r >= N || values.s < 1n || values.s >= N) throw new RangeError('r or s out of range');
  return values;
}
