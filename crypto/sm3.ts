import { createHash } from 'node:crypto';
import { bytesToHex, fromBuffer, toBytes, type BytesLike } from './bytes.ts';

/** SM3 (GB/T 32905-2016) of bytes or a UTF-8 string; bulk hashing stays in OpenSSL. */
export function sm3(data: BytesLike): Uint8Array {
  return fromBuffer(createHash('sm3').update(toBytes(data)).digest());
}

export function sm3Hex(data: BytesLike): string {
  return bytesToHex(sm3(data));
}

/** SM3 over data fed in pieces (a package as it is written or served). */
export function createSm3(): { update(data: Uint8Array): void; hex(): string } {
  const hash = createHash('sm3');
  return { update: (data) => void hash.update(data), hex: () => hash.digest('hex') };
}

export const SM3_IV = Int32Array.of(
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
);

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

// T_j is used rotated left by j mod 32 in every round; rotate once here instead.
const T = new Int32Array(64);
for (let j = 0; j < 64; j++) T[j] = rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j % 32);

/**
 * One SM3 compression of the block held big-endian in w[0..15] into state v.
 * w must have room for 68 words: the message expansion is written in place to avoid allocation.
 * Hand-written because per-field keyed hashing needs cached HMAC states, which node:crypto
 * cannot reuse without allocating a native context per call.
 */
export function sm3Compress(v: Int32Array, w: Int32Array): void {
  for (let j = 16; j < 68; j++) {
    const x = w[j - 16]! ^ w[j - 9]! ^ rotl(w[j - 3]!, 15);
    w[j] = x ^ rotl(x, 15) ^ rotl(x, 23) ^ rotl(w[j - 13]!, 7) ^ w[j - 6]!;
  }
  let a = v[0]!, b = v[1]!, c = v[2]!, d = v[3]!, e = v[4]!, f = v[5]!, g = v[6]!, h = v[7]!;
  // Two loops rather than a per-round branch; FF and GG for j >= 16 in their cheaper equivalent
  // forms: (a&b)|(a&c)|(b&c) = (a&b)|(c&(a|b)) and (e&f)|(~e&g) = g^(e&(f^g)).
  let j = 0;
  for (; j < 16; j++) {
    const a12 = rotl(a, 12);
    const ss1 = rotl((a12 + e + T[j]!) | 0, 7);
    const wj = w[j]!;
    const tt1 = ((a ^ b ^ c) + d + (ss1 ^ a12) + (wj ^ w[j + 4]!)) | 0;
    const tt2 = ((e ^ f ^ g) + h + ss1 + wj) | 0;
    d = c;
    c = rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = rotl(f, 19);
    f = e;
    e = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
  }
  for (; j < 64; j++) {
    const a12 = rotl(a, 12);
    const ss1 = rotl((a12 + e + T[j]!) | 0, 7);
    const wj = w[j]!;
    const tt1 = (((a & b) | (c & (a | b))) + d + (ss1 ^ a12) + (wj ^ w[j + 4]!)) | 0;
    const tt2 = ((g ^ (e & (f ^ g))) + h + ss1 + wj) | 0;
    d = c;
    c = rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = rotl(f, 19);
    f = e;
    e = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
  }
  v[0] = v[0]! ^ a;
  v[1] = v[1]! ^ b;
  v[2] = v[2]! ^ c;
  v[3] = v[3]! ^ d;
  v[4] = v[4]! ^ e;
  v[5] = v[5]! ^ f;
  v[6] = v[6]! ^ g;
  v[7] = v[7]! ^ h;
}
