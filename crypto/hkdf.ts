import { hkdfSync } from 'node:crypto';
import { fail } from '../common/errors.ts';
import { toBytes, type BytesLike } from './bytes.ts';

export type HkdfHash = 'sm3' | 'sha256';

/** RFC 5869 extract-and-expand; OpenSSL's HKDF accepts SM3 as the hash on this runtime. */
export function hkdf(alg: HkdfHash, ikm: Uint8Array, salt: Uint8Array, info: BytesLike, length: number): Uint8Array {
  if (alg !== 'sm3' && alg !== 'sha256') throw fail.validation('unsupported HKDF hash');
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) throw fail.validation('HKDF length out of range');
  const infoBytes = toBytes(info);
  // OpenSSL's HKDF (as exposed by Node) caps info at 1024 bytes.
  if (infoBytes.length > 1024) throw fail.validation('HKDF info longer than 1024 bytes');
  return new Uint8Array(hkdfSync(alg, ikm, salt, infoBytes, length));
}
