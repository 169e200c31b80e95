/**
 * Arithmetic modulo the Mersenne prime p = 2^31 − 1, on JavaScript numbers. Sums of up to 2^22
 * residues stay exact integers in a double (< 2^53), so sketches add rows without reducing and
 * reduce once at the end; products split one factor into 16-bit halves to stay below 2^53.
 */
export const P = 2 ** 31 - 1;

/** x mod p in [0, p), for any integer |x| < 2^53. */
export function mod(x: number): number {
  const r = x - Math.floor(x / P) * P;
  return r < 0 ? r + P : r >= P ? r - P : r;
}

/**
 * x mod p for a 32-bit unsigned x, as x % p gives it: 2^31 ≡ 1, so x ≡ (x mod 2^31) + ⌊x / 2^31⌋,
 * at most p + 1. Integer operations only: the hot loops of the sketches call it per row.
 */
export function mod32(x: number): number {
  const r = (x & P) + (x >>> 31);
  return r >= P ? r - P : r;
}

/** a·b mod p for a, b in [0, p). */
export function mulmod(a: number, b: number): number {
  const high = b >>> 16;
  const low = b & 0xffff;
  return mod(mod(a * high) * 65536 + a * low);
}

/** a^−1 mod p for a ≢ 0 (Fermat). */
export function inverse(a: number): number {
  let result = 1;
  let base = mod(a);
  for (let e = P - 2; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = mulmod(result, base);
    base = mulmod(base, base);
  }
  return result;
}

/** A residue as the signed integer nearest 0 (multiplicities are small). */
export function signed(x: number): number {
  return x > P / 2 ? x - P : x;
}

/** Murmur3's 32-bit finalizer: a bijection that spreads every input bit over the output. */
export function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
