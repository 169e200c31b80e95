import { randomBytes } from 'node:crypto';
import { fail } from '../common/errors.ts';

// GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1. Multiplication is a masked
// shift-and-add rather than log/exp tables, so share arithmetic does no secret-indexed lookups.
function mul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    p ^= -(b & 1) & a;
    a = ((a << 1) ^ (-((a >> 7) & 1) & 0x1b)) & 0xff;
    b >>= 1;
  }
  return p;
}

/** a^254 = a^-1 for a ≠ 0. */
function inv(a: number): number {
  let result = 1;
  let power = a;
  for (let e = 254; e > 0; e >>= 1) {
    if (e & 1) result = mul(result, power);
    power = mul(power, power);
  }
  return result;
}

/**
 * Shamir secret sharing over GF(256), byte by byte. Each share is x‖y: one byte x in 1..255,
 * then one y byte per secret byte. Any `threshold` shares recover the secret; fewer reveal nothing.
 */
export function splitSecret(secret: Uint8Array, shares: number, threshold: number): Uint8Array[] {
  if (secret.length === 0) throw fail.validation('secret must not be empty');
  if (!Number.isInteger(threshold) || !Number.isInteger(shares) || threshold < 2 || shares < threshold || shares > 255) {
    throw fail.validation('need 2 <= threshold <= shares <= 255');
  }
  const coefficients = randomBytes(secret.length * (threshold - 1));
  const out: Uint8Array[] = [];
  for (let x = 1; x <= shares; x++) {
    const share = new Uint8Array(1 + secret.length);
    share[0] = x;
    for (let i = 0; i < secret.length; i++) {
      // Horner from the highest coefficient down to the secret byte.
      let y = 0;
      for (let k = threshold - 2; k >= 0; k--) y = mul(y, x) ^ coefficients[i * (threshold - 1) + k]!;
      share[1 + i] = mul(y, x) ^ secret[i]!;
    }
    out.push(share);
  }
  coefficients.fill(0);
  return out;
}

/** Lagrange interpolation at x = 0. Given fewer than the threshold, returns an unrelated value. */
export function combineShares(shares: readonly Uint8Array[]): Uint8Array {
  const first = shares[0];
  if (first === undefined || shares.length < 2) throw fail.validation('need at least two shares');
  const length = first.length - 1;
  const xs = new Set<number>();
  for (const share of shares) {
    const x = share[0];
    if (share.length !== first.length || length < 1 || x === undefined || x === 0 || xs.has(x)) {
      throw fail.validation('shares must be distinct, non-empty and of equal length');
    }
    xs.add(x);
  }
  const secret = new Uint8Array(length);
  for (let j = 0; j < shares.length; j++) {
    const xj = shares[j]![0]!;
    // basis_j(0) = Π_{m≠j} x_m / (x_m − x_j); subtraction is XOR in GF(2^8).
    let numerator = 1;
    let denominator = 1;
    for (let m = 0; m < shares.length; m++) {
      if (m === j) continue;
      const xm = shares[m]![0]!;
      numerator = mul(numerator, xm);
      denominator = mul(denominator, xm ^ xj);
    }
    const basis = mul(numerator, inv(denominator));
    for (let i = 0; i < length; i++) secret[i]! ^= mul(basis, shares[j]![1 + i]!);
  }
  return secret;
}
