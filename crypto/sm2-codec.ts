import { fail } from '../common/errors.ts';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { readChildren, readTlv, readUnsignedInteger } from './der.ts';

/**
 * The encodings around SM2 — key and signature formats, the curve's parameters — without the
 * curve arithmetic, so the same checks run in Node (crypto/sm2.ts) and in the console's browser
 * bundle, each with its own loading of the arithmetic libraries.
 */

/** GM/T 0009 default signer identity, used unless the caller names another. */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

/** GB/T 32918.5's recommended curve. */
export const SM2_CURVE: Readonly<Record<'p' | 'n' | 'h' | 'a' | 'b' | 'Gx' | 'Gy', bigint>> = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

const N = SM2_CURVE.n;
const OID_EC_PUBLIC_KEY = '2a8648ce3d0201'; // 1.2.840.10045.2.1
const OID_SM2 = '2a811ccf5501822d'; // 1.2.156.10197.1.301
const PEM = /^-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----$/;

/**
 * The encoded point of an SM2 public key given as uncompressed ('04…') or compressed
 * ('02…'/'03…') hex, or as a PEM SubjectPublicKeyInfo naming the SM2 curve. Whether it lies on
 * the curve is for the caller's arithmetic to check.
 */
export function sm2PublicKeyPoint(input: string): Uint8Array {
  const text = input.trim();
  const pem = PEM.exec(text);
  return pem ? spkiPoint(base64Bytes(pem[1]!.replace(/\s+/g, ''))) : hexPoint(text);
}

/** The private key as lowercase hex, checked to lie in [1, n-2] (GB/T 32918.1: 1 + d invertible). */
export function checkSm2PrivateKey(hex: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw fail.validation('SM2 private key must be 64 hex characters');
  const d = BigInt('0x' + hex);
  if (d < 1n || d > N - 2n) throw fail.validation('SM2 private key out of range');
  return hex.toLowerCase();
}

/** r‖s as 128 hex digits from a DER signature; throws on anything but one minimal, in-range encoding. */
export function sm2SignatureRs(derHex: string): string {
  const der = hexToBytes(derHex);
  const seq = readTlv(der, 0);
  if (seq.tag !== 0x30 || seq.end !== der.length) throw new RangeError('not a SEQUENCE');
  const [r, s, ...extra] = readChildren(seq.content);
  if (r?.tag !== 0x02 || s?.tag !== 0x02 || extra.length > 0) throw new RangeError('not an SM2 signature');
  const values = [readUnsignedInteger(r.content), readUnsignedInteger(s.content)];
  if (values.some((v) => v < 1n || v >= N)) throw new RangeError('r or s out of range');
  return values.map((v) => v.toString(16).padStart(64, '0')).join('');
}

function hexPoint(text: string): Uint8Array {
  if (!/^04[0-9a-fA-F]{128}$/.test(text) && !/^0[23][0-9a-fA-F]{64}$/.test(text)) throw fail.validation('SM2 public key must be 04/02/03-prefixed hex or a PEM public key');
  return hexToBytes(text);
}

function base64Bytes(text: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw fail.validation('PEM is not an SM2 SubjectPublicKeyInfo');
  }
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
