/**
 * GHASH (NIST SP 800-38D §6.4) with Shoup's 8-bit tables over 32-bit limbs: per key, the 256
 * products b·H are precomputed, so each block costs 16 table lookups and byte shifts, no BigInt.
 * Blocks are four big-endian words; GCM's bit order puts x^0 in the top bit of the first byte.
 */
export interface Ghash {
  /** GHASH(H, A, C): both inputs zero-padded to whole blocks, then the 64-bit bit lengths. */
  digest(aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

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

export function createGhash(h: Uint8Array): Ghash {
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

  const state = new Int32Array(4);

  // state = state·H, Horner over the 16 bytes, last byte first: a = a·x^8 ⊕ table[byte].
  const multiply = (): void => {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (let word = 3; word >= 0; word--) {
      const w = state[word]!;
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

  const tail = new Uint8Array(16);
  const absorb = (data: Uint8Array): void => {
    const full = data.length & ~15;
    for (let off = 0; off < full; off += 16) {
      state[0] = state[0]! ^ readWord(data, off);
      state[1] = state[1]! ^ readWord(data, off + 4);
      state[2] = state[2]! ^ readWord(data, off + 8);
      state[3] = state[3]! ^ readWord(data, off + 12);
      multiply();
    }
    if (full < data.length) {
      tail.fill(0);
      tail.set(data.subarray(full));
      absorb(tail);
    }
  };

  return {
    digest(aad, ciphertext) {
      state.fill(0);
      absorb(aad);
      absorb(ciphertext);
      state[0] = state[0]! ^ Math.floor(aad.length / 0x20000000);
      state[1] = state[1]! ^ aad.length * 8;
      state[2] = state[2]! ^ Math.floor(ciphertext.length / 0x20000000);
      state[3] = state[3]! ^ ciphertext.length * 8;
      multiply();
      const out = new Uint8Array(16);
      for (let i = 0; i < 4; i++) {
        const w = state[i]!;
        out[i * 4] = w >>> 24;
        out[i * 4 + 1] = w >>> 16;
        out[i * 4 + 2] = w >>> 8;
        out[i * 4 + 3] = w;
      }
      return out;
    },
  };
}

function readWord(bytes: Uint8Array, off: number): number {
  return (bytes[off]! << 24) | (bytes[off + 1]! << 16) | (bytes[off + 2]! << 8) | bytes[off + 3]!;
}
