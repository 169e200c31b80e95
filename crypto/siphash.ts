import { fail } from '../common/errors.ts';

/** SipHash-2-4 under one 128-bit key (Aumasson–Bernstein, "SipHash: a fast short-input PRF"). */
export interface SipHash {
  /**
   * The 64-bit tag of `data` (strings as UTF-8) written into `out` as [low 32 bits, high 32
   * bits] of the little-endian tag, unsigned; `out` is returned. Allocation-free on the ASCII
   * path, so it can run once per row of a large column.
   */
  hash(data: string | Uint8Array, out: Uint32Array): Uint32Array;
}

const encoder = new TextEncoder();

/** Little-endian 32-bit word of `bytes` at `o`, zero past `end`. */
function le(bytes: Uint8Array, o: number, end: number): number {
  if (o + 4 <= end) return (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0;
  let w = 0;
  for (let i = end - o - 1; i >= 0; i--) w = (w << 8) | bytes[o + i]!;
  return w >>> 0;
}

/**
 * The tag of `bytes[0, length)` under key words k0 = (k0h, k0l), k1 = (k1h, k1l). JavaScript
 * has no 64-bit integers without BigInt, so each 64-bit word is two unsigned 32-bit halves,
 * all in locals so the engine keeps them in registers.
 */
function sip24(bytes: Uint8Array, length: number, k0l: number, k0h: number, k1l: number, k1h: number, out: Uint32Array): Uint32Array {
  let v0l = (k0l ^ 0x70736575) >>> 0;
  let v0h = (k0h ^ 0x736f6d65) >>> 0;
  let v1l = (k1l ^ 0x6e646f6d) >>> 0;
  let v1h = (k1h ^ 0x646f7261) >>> 0;
  let v2l = (k0l ^ 0x6e657261) >>> 0;
  let v2h = (k0h ^ 0x6c796765) >>> 0;
  let v3l = (k1l ^ 0x79746573) >>> 0;
  let v3h = (k1h ^ 0x74656462) >>> 0;
  const last = length - (length % 8);
  let s: number, t: number;
  // Each message block gets two rounds; past the last block (which carries the length modulo
  // 256 in its top byte), the finalization flips v2 and runs four.
  for (let o = 0; ; o += 8) {
    const block = o <= last;
    let ml = 0;
    let mh = 0;
    if (block) {
      ml = le(bytes, o, length);
      mh = le(bytes, o + 4, length);
      if (o === last) mh = (mh | ((length & 0xff) << 24)) >>> 0;
      v3l = (v3l ^ ml) >>> 0;
      v3h = (v3h ^ mh) >>> 0;
    } else {
      v2l = (v2l ^ 0xff) >>> 0;
    }
    for (let r = block ? 2 : 4; r > 0; r--) {
      // v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32
      s = v0l + v1l;
      v0h = (v0h + v1h + (s > 0xffffffff ? 1 : 0)) >>> 0;
      v0l = s >>> 0;
      t = v1h;
      v1h = (((v1h << 13) | (v1l >>> 19)) ^ v0h) >>> 0;
      v1l = (((v1l << 13) | (t >>> 19)) ^ v0l) >>> 0;
      t = v0h;
      v0h = v0l;
      v0l = t;
      // v2 += v3; v3 <<<= 16; v3 ^= v2
      s = v2l + v3l;
      v2h = (v2h + v3h + (s > 0xffffffff ? 1 : 0)) >>> 0;
      v2l = s >>> 0;
      t = v3h;
      v3h = (((v3h << 16) | (v3l >>> 16)) ^ v2h) >>> 0;
      v3l = (((v3l << 16) | (t >>> 16)) ^ v2l) >>> 0;
      // v0 += v3; v3 <<<= 21; v3 ^= v0
      s = v0l + v3l;
      v0h = (v0h + v3h + (s > 0xffffffff ? 1 : 0)) >>> 0;
      v0l = s >>> 0;
      t = v3h;
      v3h = (((v3h << 21) | (v3l >>> 11)) ^ v0h) >>> 0;
      v3l = (((v3l << 21) | (t >>> 11)) ^ v0l) >>> 0;
      // v2 += v1; v1 <<<= 17; v1 ^= v2; v2 <<<= 32
      s = v2l + v1l;
      v2h = (v2h + v1h + (s > 0xffffffff ? 1 : 0)) >>> 0;
      v2l = s >>> 0;
      t = v1h;
      v1h = (((v1h << 17) | (v1l >>> 15)) ^ v2h) >>> 0;
      v1l = (((v1l << 17) | (t >>> 15)) ^ v2l) >>> 0;
      t = v2h;
      v2h = v2l;
      v2l = t;
    }
    if (!block) break;
    v0l = (v0l ^ ml) >>> 0;
    v0h = (v0h ^ mh) >>> 0;
  }
  out[0] = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
  out[1] = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  return out;
}

/**
 * A keyed short-input PRF for per-row identifiers: no native call per input (an HMAC through
 * node:crypto pays one), with the security of a PRF under a secret key.
 */
export function createSipHash(key: Uint8Array): SipHash {
  if (!(key instanceof Uint8Array) || key.length !== 16) throw fail.validation('SipHash needs a 16-byte key');
  const k = [0, 4, 8, 12].map((o) => le(key, o, 16)) as [number, number, number, number];
  let scratch = new Uint8Array(64);
  return {
    hash(data, out) {
      if (typeof data !== 'string') return sip24(data, data.length, k[0], k[1], k[2], k[3], out);
      const n = data.length;
      if (scratch.length < n * 3) scratch = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) {
        const c = data.charCodeAt(i);
        if (c >= 0x80) return sip24(scratch, encoder.encodeInto(data, scratch).written, k[0], k[1], k[2], k[3], out);
        scratch[i] = c;
      }
      return sip24(scratch, n, k[0], k[1], k[2], k[3], out);
    },
  };
}
