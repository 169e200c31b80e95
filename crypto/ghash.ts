/**
 * GHASH (NIST SP 800-38D §6.4) in constant time: no branch and no memory index depends on H or
 * on the data, so cache and branch timing say nothing about either (a table indexed by data
 * bytes, as in Shoup's method, does).
 *
 * A block is read as one 128-bit integer, its four big-endian words from the most significant
 * down; GCM's bit order puts x^0 in the top bit, so polynomials are bit-reflected integers.
 * Carry-less products come from integer multiplication with holes: a 16-bit operand is split
 * into three parts whose bits are three apart, so a column of an integer product sums at most six
 * bits and its carries stay in the two positions above it, which a mask then drops. A 128-bit
 * product takes three levels of Karatsuba down to 27 such 16-bit products.
 *
 * Up to GROUP blocks are hashed together with precomputed powers of H:
 * X1·H^n ⊕ X2·H^(n-1) ⊕ … ⊕ Xn·H. Every step before the reduction is linear, so the blocks'
 * 16-bit products are summed first, then recombined and reduced once per group. The length block
 * is the one exception: its bits are lengths, which are public (they already set how many blocks
 * there are), so L·H is the XOR of H·x^k over its set bits instead of 243 multiplications, and
 * the message's last blocks take powers one higher.
 *
 * Constant time holds for the source and for V8's optimized code (Math.imul is one integer
 * multiplication, whose timing does not depend on its operands); before a function is optimized,
 * V8's interpreter boxes integers past 2^30, a data-dependent cost JavaScript cannot rule out.
 */
export interface Ghash {
  /**
   * The state after absorbing `aad`, zero-padded: what every message under the same AAD starts
   * from. Valid until the next call.
   */
  prefix(aad: Uint8Array): Int32Array;
  /**
   * XORs GHASH(H, A, C) into out[at, at + 16), where A is the AAD `prefix` came from and C is
   * data[from, from + length), zero-padded, followed by the bit lengths. With E(K, J0) there,
   * that makes the GCM tag in place.
   */
  finish(prefix: Int32Array, aadLength: number, data: Uint8Array, from: number, length: number, out: Uint8Array, at: number): void;
}

/** Blocks per reduction; the powers H^1 … H^GROUP are precomputed. */
const GROUP = 8;
/** 16-bit Karatsuba leaves of a 128-bit operand: three levels, 3^3. */
const LEAVES = 27;

// The three parts of a 16-bit operand, and the columns of a 31-bit product each part pair lands in.
const PART0 = 0x9249;
const PART1 = 0x2492;
const PART2 = 0x4924;
const LANE0 = 0x49249249;
const LANE1 = 0x12492492;
const LANE2 = 0x24924924;

/**
 * The nine leaves of the 64-bit integer with 16-bit limbs a (lowest) … d: Karatsuba splits it
 * into low, high and their sum, then each of those the same way.
 */
function leaves4(out: Int32Array, at: number, a: number, b: number, c: number, d: number): void {
  const e = a ^ c, f = b ^ d;
  out[at] = a;
  out[at + 1] = b;
  out[at + 2] = a ^ b;
  out[at + 3] = c;
  out[at + 4] = d;
  out[at + 5] = c ^ d;
  out[at + 6] = e;
  out[at + 7] = f;
  out[at + 8] = e ^ f;
}

/** The 27 leaves of the 128-bit integer w0‖w1‖w2‖w3, in low, high, middle order at each level. */
function leaves8(out: Int32Array, at: number, w0: number, w1: number, w2: number, w3: number): void {
  const l0 = w3 & 0xffff, l1 = w3 >>> 16, l2 = w2 & 0xffff, l3 = w2 >>> 16;
  const l4 = w1 & 0xffff, l5 = w1 >>> 16, l6 = w0 & 0xffff, l7 = w0 >>> 16;
  leaves4(out, at, l0, l1, l2, l3);
  leaves4(out, at + 9, l4, l5, l6, l7);
  leaves4(out, at + 18, l0 ^ l4, l1 ^ l5, l2 ^ l6, l3 ^ l7);
}

/**
 * Nine leaf products (in `leaves4` order) into their 128-bit product, four words from the least
 * significant: each 32-bit node is low ⊕ middle·x^16 ⊕ high·x^32 with middle = sum ⊕ low ⊕ high,
 * and the 64-bit node the same one level up.
 */
function join64(p: Int32Array, k: number, out: Int32Array, o: number): void {
  const l0 = p[k]!, l1 = p[k + 1]!, lm = p[k + 2]! ^ l0 ^ l1;
  const h0 = p[k + 3]!, h1 = p[k + 4]!, hm = p[k + 5]! ^ h0 ^ h1;
  const s0 = p[k + 6]!, s1 = p[k + 7]!, sm = p[k + 8]! ^ s0 ^ s1;
  const lo0 = l0 ^ (lm << 16), lo1 = l1 ^ (lm >>> 16);
  const hi0 = h0 ^ (hm << 16), hi1 = h1 ^ (hm >>> 16);
  const m0 = s0 ^ (sm << 16) ^ lo0 ^ hi0, m1 = s1 ^ (sm >>> 16) ^ lo1 ^ hi1;
  out[o] = lo0;
  out[o + 1] = lo1 ^ m0;
  out[o + 2] = hi0 ^ m1;
  out[o + 3] = hi1;
}

const mid = new Int32Array(4);

/** 27 leaf products into the 256-bit product, eight words from the least significant. */
function join128(p: Int32Array, out: Int32Array): void {
  join64(p, 0, out, 0);
  join64(p, 9, out, 4);
  join64(p, 18, mid, 0);
  for (let i = 0; i < 4; i++) mid[i]! ^= out[i]! ^ out[i + 4]!;
  for (let i = 0; i < 4; i++) out[i + 2]! ^= mid[i]!;
}

/**
 * state = z mod x^128 + x^7 + x^2 + x + 1, where z is a 256-bit product in which x^k sits at
 * bit 255 - k: its top half is x^0 … x^127 and its bottom half L stands for x^128·L. As
 * x^128 = x^7 + x^2 + x + 1, and multiplying by x^s is a right shift by s here, L folds in as
 * D ⊕ D>>1 ⊕ D>>2 ⊕ D>>7, where D is L with the bits those shifts push out of x^127 already
 * folded into its top: L<<127 ⊕ L<<126 ⊕ L<<121, which only the lowest word of L reaches.
 */
function reduce(z: Int32Array, state: Int32Array): void {
  const d0 = z[0]!, d1 = z[1]!, d2 = z[2]!;
  const d3 = z[3]! ^ (d0 << 31) ^ (d0 << 30) ^ (d0 << 25);
  state[0] = z[7]! ^ d3 ^ (d3 >>> 1) ^ (d3 >>> 2) ^ (d3 >>> 7);
  state[1] = z[6]! ^ d2 ^ ((d2 >>> 1) | (d3 << 31)) ^ ((d2 >>> 2) | (d3 << 30)) ^ ((d2 >>> 7) | (d3 << 25));
  state[2] = z[5]! ^ d1 ^ ((d1 >>> 1) | (d2 << 31)) ^ ((d1 >>> 2) | (d2 << 30)) ^ ((d1 >>> 7) | (d2 << 25));
  state[3] = z[4]! ^ d0 ^ ((d0 >>> 1) | (d1 << 31)) ^ ((d0 >>> 2) | (d1 << 30)) ^ ((d0 >>> 7) | (d1 << 25));
}

// Scratch shared by every key: a call never returns with blocks waiting, nor yields before.
const leaves = new Int32Array(LEAVES * GROUP);
const products = new Int32Array(LEAVES);
const wide = new Int32Array(8);
const tail = new Uint8Array(16);

const POWER_INTS = LEAVES * GROUP * 3;
const SHIFT_INTS = 128 * 4;

export function createGhash(h: Uint8Array): Ghash {
  const table = new Int32Array(POWER_INTS + SHIFT_INTS + 4 * GROUP);
  // powers[(k·GROUP + i)·3 + part]: part `part` of leaf k of H^(i+1)·x^-1. The factor x^-1
  // makes the 255-bit integer product land one bit up, where `reduce` expects x^0 at bit 255.
  const powers = table.subarray(0, POWER_INTS);
  // shifts[4k …]: H·x^k, for products by the length block, whose bits are public.
  const shifts = table.subarray(POWER_INTS, POWER_INTS + SHIFT_INTS);
  // plain[4i …]: H^(i+1), from which the next power is made.
  const plain = table.subarray(POWER_INTS + SHIFT_INTS);
  const state = new Int32Array(4);
  const prefixState = new Int32Array(4);
  let pending = 0;
  /** Powers made so far: a key used for short messages only never makes H^3 … H^GROUP. */
  let ready = 0;

  /** state = X1·H^(n+e) ⊕ … ⊕ Xn·H^(1+e) for the n blocks whose leaves are in `leaves`; n + e ≤ ready. */
  const multiply = (n: number, e: number): void => {
    for (let k = 0; k < LEAVES; k++) {
      let u0 = 0, u1 = 0, u2 = 0;
      // Block b (of n) meets H^(n-b+e).
      for (let b = 0, at = k, p = (k * GROUP + n - 1 + e) * 3; b < n; b++, at += LEAVES, p -= 3) {
        const a = leaves[at]!;
        const a0 = a & PART0, a1 = a & PART1, a2 = a & PART2;
        const b0 = powers[p]!, b1 = powers[p + 1]!, b2 = powers[p + 2]!;
        u0 ^= Math.imul(a0, b0) ^ Math.imul(a1, b2) ^ Math.imul(a2, b1);
        u1 ^= Math.imul(a0, b1) ^ Math.imul(a1, b0) ^ Math.imul(a2, b2);
        u2 ^= Math.imul(a0, b2) ^ Math.imul(a1, b1) ^ Math.imul(a2, b0);
      }
      products[k] = (u0 & LANE0) | (u1 & LANE1) | (u2 & LANE2);
    }
    join128(products, wide);
    reduce(wide, state);
  };

  const flush = (): void => {
    if (pending > 0) multiply(pending, 0);
    pending = 0;
  };

  // state ⊕ X starts a group; later blocks of the group join it as they are.
  const absorbBlock = (x0: number, x1: number, x2: number, x3: number): void => {
    if (pending === 0) {
      x0 ^= state[0]!; x1 ^= state[1]!; x2 ^= state[2]!; x3 ^= state[3]!;
    }
    leaves8(leaves, pending * LEAVES, x0, x1, x2, x3);
    if (++pending === GROUP) flush();
  };

  /** Makes H^1 … H^count, before a call sets `state`: H^(i+1) = H^i·H, multiplied alone, needs only H^1. */
  const makePowers = (count: number): void => {
    for (; ready < count; ready++) {
      if (ready === 0) {
        state.set([readWord(h, 0), readWord(h, 4), readWord(h, 8), readWord(h, 12)]);
      } else {
        leaves8(leaves, 0, plain[4 * ready - 4]!, plain[4 * ready - 3]!, plain[4 * ready - 2]!, plain[4 * ready - 1]!);
        multiply(1, 0);
      }
      const w0 = state[0]!, w1 = state[1]!, w2 = state[2]!, w3 = state[3]!;
      plain.set(state, 4 * ready);
      // Dividing by x shifts toward x^127; x^0 wraps to x^-1 = x^127 + x^6 + x + 1.
      const wrap = -(w0 >>> 31);
      leaves8(
        leaves, 0,
        ((w0 << 1) | (w1 >>> 31)) ^ (wrap & 0xc2000000),
        (w1 << 1) | (w2 >>> 31),
        (w2 << 1) | (w3 >>> 31),
        (w3 << 1) ^ (wrap & 1),
      );
      for (let k = 0; k < LEAVES; k++) {
        const at = (k * GROUP + ready) * 3, v = leaves[k]!;
        powers[at] = v & PART0;
        powers[at + 1] = v & PART1;
        powers[at + 2] = v & PART2;
      }
    }
  };

  {
    // Multiplying by x shifts toward x^127; x^128 folds back as x^7 + x^2 + x + 1.
    let w0 = readWord(h, 0), w1 = readWord(h, 4), w2 = readWord(h, 8), w3 = readWord(h, 12);
    for (let k = 0; k < 128; k++) {
      shifts[4 * k] = w0; shifts[4 * k + 1] = w1; shifts[4 * k + 2] = w2; shifts[4 * k + 3] = w3;
      const carry = -(w3 & 1);
      w3 = (w3 >>> 1) | (w2 << 31);
      w2 = (w2 >>> 1) | (w1 << 31);
      w1 = (w1 >>> 1) | (w0 << 31);
      w0 = (w0 >>> 1) ^ (carry & 0xe1000000);
    }
  }

  /**
   * state ^= L·H for the block L = w0‖w1‖w2‖w3 of public bits (the lengths): one XOR of H·x^k
   * per set bit, where a product of secret blocks takes 243 multiplications.
   */
  const addPublicTimesH = (w0: number, w1: number, w2: number, w3: number): void => {
    for (let j = 0; j < 4; j++) {
      let w = j === 0 ? w0 : j === 1 ? w1 : j === 2 ? w2 : w3;
      while (w !== 0) {
        const zeros = Math.clz32(w);
        const at = (32 * j + zeros) * 4;
        state[0]! ^= shifts[at]!; state[1]! ^= shifts[at + 1]!; state[2]! ^= shifts[at + 2]!; state[3]! ^= shifts[at + 3]!;
        w ^= 0x80000000 >>> zeros;
      }
    }
  };

  const absorb = (data: Uint8Array, from: number, length: number): void => {
    const end = from + length;
    let off = from;
    for (; off + 16 <= end; off += 16) absorbBlock(readWord(data, off), readWord(data, off + 4), readWord(data, off + 8), readWord(data, off + 12));
    if (off === end) return;
    // The last, partial block, zero-padded.
    for (let i = 0; i < 16; i++) tail[i] = off + i < end ? data[off + i]! : 0;
    absorbBlock(readWord(tail, 0), readWord(tail, 4), readWord(tail, 8), readWord(tail, 12));
  };

  return {
    prefix(aad) {
      makePowers(Math.min(GROUP, Math.ceil(aad.length / 16)));
      state.fill(0);
      absorb(aad, 0, aad.length);
      flush();
      prefixState.set(state);
      return prefixState;
    },
    finish(prefix, aadLength, data, from, length, out, at) {
      // A message of n blocks ends in one group of up to n + 1 powers (the length block's included).
      makePowers(Math.min(GROUP, Math.ceil(length / 16) + 1));
      state.set(prefix);
      absorb(data, from, length);
      const l0 = Math.floor(aadLength / 0x20000000), l1 = (aadLength * 8) | 0, l2 = Math.floor(length / 0x20000000), l3 = (length * 8) | 0;
      if (pending === 0) {
        // Nothing of the message waits: the state itself must be multiplied by H anyway.
        absorbBlock(l0, l1, l2, l3);
        flush();
      } else {
        // The waiting blocks one power higher, as if the length block followed them.
        multiply(pending, 1);
        pending = 0;
        addPublicTimesH(l0, l1, l2, l3);
      }
      for (let i = 0; i < 4; i++) {
        const w = state[i]!;
        out[at + i * 4]! ^= w >>> 24;
        out[at + i * 4 + 1]! ^= w >>> 16;
        out[at + i * 4 + 2]! ^= w >>> 8;
        out[at + i * 4 + 3]! ^= w;
      }
    },
  };
}

function readWord(bytes: Uint8Array, off: number): number {
  return (bytes[off]! << 24) | (bytes[off + 1]! << 16) | (bytes[off + 2]! << 8) | bytes[off + 3]!;
}
