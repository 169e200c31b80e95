/**
 * GHASH (NIST SP 800-38D §6.4) over 32-bit limbs, no BigInt. Blocks are four big-endian words;
 * GCM's bit order puts x^0 in the top bit of the first byte.
 *
 * A key starts with Shoup's 8-bit table (the 256 products b·H, 4 KiB): each multiplication is 16
 * lookups and byte shifts. After WIDE_AFTER multiplications it builds one such table per byte
 * position, with the shifts folded in (b·H·x^(8j), 64 KiB): each multiplication is then 16 lookups
 * and XORs, about 3.5 times faster. A key used for a few messages never pays for the big table.
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

const WIDE_AFTER = 1024;

// x^8 times a value whose only non-zero byte is the last: the 16 bits that fold into the top.
const REDUCE = new Int32Array(256);
for (let rem = 0; rem < 256; rem++) {
  let v0 = 0, v3 = rem;
  for (let i = 0; i < 8; i++) {
    const carry = v3 & 1;
    v3 >>>= 1;
    v0 = (v0 >>> 1) ^ (carry ? 0xe1000000 : 0);
  }
  REDUCE[rem] = v0;
}

/** table[b] = b·H, with b as the first byte of a block. */
function byteTable(h: Uint8Array): Int32Array {
  const table = new Int32Array(256 * 4);
  let v0 = readWord(h, 0), v1 = readWord(h, 4), v2 = readWord(h, 8), v3 = readWord(h, 12);
  // table[0x80 >> k] = H·x^k; every other entry is the XOR of its set bits' entries.
  for (let bit = 0x80; bit > 0; bit >>= 1) {
    table[bit * 4] = v0; table[bit * 4 + 1] = v1; table[bit * 4 + 2] = v2; table[bit * 4 + 3] = v3;
    const carry = v3 & 1;
    v3 = (v3 >>> 1) | (v2 << 31);
    v2 = (v2 >>> 1) | (v1 << 31);
    v1 = (v1 >>> 1) | (v0 << 31);
    v0 = (v0 >>> 1) ^ (carry ? 0xe1000000 : 0);
  }
  for (let i = 2; i < 256; i <<= 1) {
    for (let j = 1; j < i; j++) {
      for (let k = 0; k < 4; k++) table[(i + j) * 4 + k] = table[i * 4 + k]! ^ table[j * 4 + k]!;
    }
  }
  return table;
}

/** wide[(j·256 + b)·4 …] = b·H·x^(8j): the product's share from byte j of a block being b. */
function wideTable(table: Int32Array): Int32Array {
  const wide = new Int32Array(16 * 256 * 4);
  wide.set(table);
  for (let p = 0, q = 1024; q < wide.length; p += 4, q += 4) {
    const a0 = wide[p]!, a1 = wide[p + 1]!, a2 = wide[p + 2]!, a3 = wide[p + 3]!;
    wide[q] = (a0 >>> 8) ^ REDUCE[a3 & 0xff]!;
    wide[q + 1] = (a1 >>> 8) | (a0 << 24);
    wide[q + 2] = (a2 >>> 8) | (a1 << 24);
    wide[q + 3] = (a3 >>> 8) | (a2 << 24);
  }
  return wide;
}

export function createGhash(h: Uint8Array): Ghash {
  const table = byteTable(h);
  let wide: Int32Array | undefined;
  let multiplied = 0;
  const state = new Int32Array(4);
  const prefixState = new Int32Array(4);

  // state = (state ⊕ x)·H, Horner over the 16 bytes, last byte first: a = a·x^8 ⊕ table[byte].
  const multiplyNarrow = (x0: number, x1: number, x2: number, x3: number): void => {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let word = 3; word >= 0; word--) {
      const w = word === 0 ? x0 : word === 1 ? x1 : word === 2 ? x2 : x3;
      for (let shift = 0; shift < 32; shift += 8) {
        const rem = a3 & 0xff;
        a3 = (a3 >>> 8) | (a2 << 24);
        a2 = (a2 >>> 8) | (a1 << 24);
        a1 = (a1 >>> 8) | (a0 << 24);
        a0 = (a0 >>> 8) ^ REDUCE[rem]!;
        const t = ((w >>> shift) & 0xff) * 4;
        a0 ^= table[t]!; a1 ^= table[t + 1]!; a2 ^= table[t + 2]!; a3 ^= table[t + 3]!;
      }
    }
    state[0] = a0; state[1] = a1; state[2] = a2; state[3] = a3;
  };

  // The same product as the XOR of one wide-table entry per byte.
  const multiplyWide = (w: Int32Array, x0: number, x1: number, x2: number, x3: number): void => {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, t = 0;
    for (let k = 0; k < 4; k++) {
      const x = k === 0 ? x0 : k === 1 ? x1 : k === 2 ? x2 : x3;
      const base = k << 12;
      t = base | ((x >>> 24) << 2);
      a0 ^= w[t]!; a1 ^= w[t + 1]!; a2 ^= w[t + 2]!; a3 ^= w[t + 3]!;
      t = base | 1024 | (((x >>> 16) & 0xff) << 2);
      a0 ^= w[t]!; a1 ^= w[t + 1]!; a2 ^= w[t + 2]!; a3 ^= w[t + 3]!;
      t = base | 2048 | (((x >>> 8) & 0xff) << 2);
      a0 ^= w[t]!; a1 ^= w[t + 1]!; a2 ^= w[t + 2]!; a3 ^= w[t + 3]!;
      t = base | 3072 | ((x & 0xff) << 2);
      a0 ^= w[t]!; a1 ^= w[t + 1]!; a2 ^= w[t + 2]!; a3 ^= w[t + 3]!;
    }
    state[0] = a0; state[1] = a1; state[2] = a2; state[3] = a3;
  };

  const absorbBlock = (x0: number, x1: number, x2: number, x3: number): void => {
    x0 ^= state[0]!; x1 ^= state[1]!; x2 ^= state[2]!; x3 ^= state[3]!;
    if (wide !== undefined) return multiplyWide(wide, x0, x1, x2, x3);
    if (++multiplied === WIDE_AFTER) wide = wideTable(table);
    multiplyNarrow(x0, x1, x2, x3);
  };

  const absorb = (data: Uint8Array, from: number, length: number): void => {
    const end = from + length;
    let off = from;
    for (; off + 16 <= end; off += 16) absorbBlock(readWord(data, off), readWord(data, off + 4), readWord(data, off + 8), readWord(data, off + 12));
    if (off < end) absorbBlock(readPadded(data, off, end), readPadded(data, off + 4, end), readPadded(data, off + 8, end), readPadded(data, off + 12, end));
  };

  return {
    prefix(aad) {
      state.fill(0);
      absorb(aad, 0, aad.length);
      prefixState.set(state);
      return prefixState;
    },
    finish(prefix, aadLength, data, from, length, out, at) {
      state.set(prefix);
      absorb(data, from, length);
      absorbBlock(Math.floor(aadLength / 0x20000000), aadLength * 8, Math.floor(length / 0x20000000), length * 8);
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

/** A word of a block's last, partial part: bytes at or past `end` count as zero. */
function readPadded(bytes: Uint8Array, off: number, end: number): number {
  let word = 0;
  for (let i = 0; i < 4; i++) word |= (off + i < end ? bytes[off + i]! : 0) << (24 - 8 * i);
  return word;
}
