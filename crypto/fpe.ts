import { fail } from '../common/errors.ts';

/** A format-preserving cipher over numeral strings (digits in [0, radix)). */
export interface FpeCipher {
  encrypt(digits: readonly number[], tweak?: Uint8Array): number[];
  decrypt(digits: readonly number[], tweak?: Uint8Array): number[];
}

/** FF1 adds batch forms: the same results as per-value calls, with shared block-cipher calls. */
export interface Ff1Cipher extends FpeCipher {
  encryptMany(values: readonly (readonly number[])[], tweak?: Uint8Array): number[][];
  decryptMany(values: readonly (readonly number[])[], tweak?: Uint8Array): number[][];
}

/**
 * Numbers up to 2^45 let a running remainder absorb a whole byte (r·256 + 255 < 2^53), so halves
 * whose modulus radix^m stays below this are computed in doubles; larger domains use BigInt.
 */
export const FAST_MODULUS_LIMIT = 2n ** 45n;

/**
 * Validates the radix and returns the shortest allowed input: SP 800-38G Rev. 1 requires
 * radix^minlen ≥ 1,000,000 for both FF1 and FF3-1 (and minlen ≥ 2).
 */
export function minLengthFor(radix: number): number {
  if (!Number.isInteger(radix) || radix < 2 || radix > 65536) throw fail.validation('FPE radix must be an integer in [2, 65536]');
  let minLength = 1;
  for (let domain = radix; domain < 1_000_000; domain *= radix) minLength++;
  return Math.max(2, minLength);
}

export function checkDigits(digits: readonly number[], radix: number, minLength: number, maxLength: number): void {
  const n = digits.length;
  if (n < minLength) throw fail.validation('FPE domain too small: radix^length must be at least 1,000,000');
  if (n > maxLength) throw fail.validation('FPE input length outside the supported range');
  for (const d of digits) {
    if (!Number.isInteger(d) || d < 0 || d >= radix) throw fail.validation('FPE numeral outside [0, radix)');
  }
}

/** bytes[offset, offset + length) as one big-endian integer, mod modulus ≤ FAST_MODULUS_LIMIT. */
export function bytesModNumber(bytes: Uint8Array, offset: number, length: number, modulus: number): number {
  let r = 0;
  for (let i = offset; i < offset + length; i++) r = (r * 256 + bytes[i]!) % modulus;
  return r;
}

export function bytesToBigInt(bytes: Uint8Array, offset: number, length: number): bigint {
  let r = 0n;
  for (let i = offset; i < offset + length; i++) r = (r << 8n) | BigInt(bytes[i]!);
  return r;
}

/** Writes `value` big-endian into out[offset, offset + length). */
export function writeNumber(out: Uint8Array, offset: number, length: number, value: number): void {
  for (let i = offset + length - 1; i >= offset; i--) {
    out[i] = value % 256;
    value = Math.floor(value / 256);
  }
}

export function writeBigInt(out: Uint8Array, offset: number, length: number, value: bigint): void {
  for (let i = offset + length - 1; i >= offset; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
}
