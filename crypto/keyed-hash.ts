import { createHash, createHmac } from 'node:crypto';
import { fail } from '../common/errors.ts';
import type { BytesLike } from './bytes.ts';
import { sha256Compress, SHA256_IV } from './sha256.ts';
import { sm3Compress, SM3_IV } from './sm3.ts';

export type KeyedHashAlg = 'hmac-sm3' | 'hmac-sha256';

export interface KeyedHash {
  digest(data: BytesLike): Uint8Array;
  hex(data: BytesLike): string;
}

interface Engine {
  iv: Int32Array;
  compress: (state: Int32Array, w: Int32Array) => void;
  nodeName: string;
  /** From this input length on, OpenSSL's faster bulk hashing outweighs its per-call setup. */
  nativeFrom: number;
}

const ENGINES: Record<KeyedHashAlg, Engine> = {
  'hmac-sm3': { iv: SM3_IV, compress: sm3Compress, nodeName: 'sm3', nativeFrom: 512 },
  'hmac-sha256': { iv: SHA256_IV, compress: sha256Compress, nodeName: 'sha256', nativeFrom: 256 },
};

const BLOCK = 64;
const encoder = new TextEncoder();

// Two hex characters per byte as one 16-bit unit, laid out through a byte view so the table is
// right whatever the host's endianness; rendering a digest is then 32 stores and one latin1 decode.
const HEX_PAIRS = new Uint16Array(256);
{
  const bytes = new Uint8Array(HEX_PAIRS.buffer);
  for (let i = 0; i < 256; i++) {
    const pair = i.toString(16).padStart(2, '0');
    bytes[2 * i] = pair.charCodeAt(0);
    bytes[2 * i + 1] = pair.charCodeAt(1);
  }
}

/**
 * HMAC (RFC 2104) whose key-dependent inner and outer states are computed once, so each call
 * costs only the compressions its data needs (two for fields under 56 bytes) and no native
 * object. Both SM3 and SHA-256 are 64-byte-block, 32-byte-digest, big-endian Merkle–Damgård
 * hashes, so one driver serves both. Instances keep scratch buffers: share one per thread.
 */
export function createKeyedHash(alg: KeyedHashAlg, key: Uint8Array): KeyedHash {
  const engine = ENGINES[alg];
  if (engine === undefined) throw fail.validation('unsupported keyed-hash algorithm');
  const { compress, nodeName, nativeFrom } = engine;
  const nativeKey = Buffer.from(key);
  const w = new Int32Array(68);
  const state = new Int32Array(8);
  const padded = new Uint8Array(BLOCK);
  padded.set(key.length > BLOCK ? createHash(nodeName).update(key).digest() : key);
  const keyState = (pad: number): Int32Array => {
    const s = Int32Array.from(engine.iv);
    for (let i = 0; i < 16; i++) {
      const o = i * 4;
      w[i] = ((padded[o]! ^ pad) << 24) | ((padded[o + 1]! ^ pad) << 16) | ((padded[o + 2]! ^ pad) << 8) | (padded[o + 3]! ^ pad);
    }
    compress(s, w);
    return s;
  };
  const innerState = keyState(0x36);
  const outerState = keyState(0x5c);
  padded.fill(0);
  w.fill(0);

  const hexOut = Buffer.alloc(64);
  const hexPairs = new Uint16Array(hexOut.buffer, hexOut.byteOffset, 32);
  let scratch = new Uint8Array(256);
  // Most fields are ASCII; copying char codes beats a TextEncoder round trip into C++.
  const utf8Length = (data: string): number => {
    const n = data.length;
    if (scratch.length < n * 3) scratch = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const c = data.charCodeAt(i);
      if (c >= 0x80) return encoder.encodeInto(data, scratch).written;
      scratch[i] = c;
    }
    return n;
  };

  // Small copies and clears are plain loops: a typed-array fill or set is a call that costs more
  // than these 8 to 16 stores, and a field pays for several per hash.
  const load = (s: Int32Array): void => {
    for (let i = 0; i < 8; i++) state[i] = s[i]!;
  };
  const clear = (from: number, to: number): void => {
    for (let i = from; i < to; i++) w[i] = 0;
  };

  /** The usual field, under 56 ASCII characters, goes from char codes straight into its one padded block. */
  const innerShortAscii = (data: string): boolean => {
    const n = data.length;
    if (n >= 56) return false;
    clear(0, 16);
    for (let i = 0; i < n; i++) {
      const c = data.charCodeAt(i);
      if (c >= 0x80) return false;
      w[i >> 2]! |= c << (24 - 8 * (i & 3));
    }
    w[n >> 2]! |= 0x80 << (24 - 8 * (n & 3));
    w[15] = (BLOCK + n) * 8;
    load(innerState);
    compress(state, w);
    return true;
  };

  /** The inner hash of anything else; false when OpenSSL did the whole HMAC (state is the MAC). */
  const innerHash = (data: BytesLike): boolean => {
    let bytes: Uint8Array;
    let length: number;
    if (typeof data === 'string') {
      length = utf8Length(data);
      bytes = scratch;
    } else {
      bytes = data;
      length = data.length;
    }
    if (length >= nativeFrom) {
      const mac = createHmac(nodeName, nativeKey).update(bytes.subarray(0, length)).digest();
      for (let i = 0; i < 8; i++) state[i] = mac.readInt32BE(i * 4);
      return false;
    }
    load(innerState);
    let off = 0;
    for (; off + BLOCK <= length; off += BLOCK) {
      for (let i = 0; i < 16; i++) {
        const o = off + i * 4;
        w[i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
      }
      compress(state, w);
    }
    clear(0, 16);
    const rest = length - off;
    for (let i = 0; i < rest; i++) w[i >> 2]! |= bytes[off + i]! << (24 - 8 * (i & 3));
    w[rest >> 2]! |= 0x80 << (24 - 8 * (rest & 3));
    if (rest >= 56) {
      compress(state, w);
      clear(0, 16);
    }
    const bits = (BLOCK + length) * 8;
    w[14] = Math.floor(bits / 0x100000000);
    w[15] = bits;
    compress(state, w);
    return true;
  };

  const run = (data: BytesLike): void => {
    if (!(typeof data === 'string' && innerShortAscii(data)) && !innerHash(data)) return;
    for (let i = 0; i < 8; i++) w[i] = state[i]!;
    w[8] = 0x80000000;
    clear(9, 15);
    w[15] = (BLOCK + 32) * 8;
    load(outerState);
    compress(state, w);
  };

  return {
    digest(data) {
      run(data);
      const out = new Uint8Array(32);
      for (let i = 0; i < 8; i++) {
        const s = state[i]!;
        out[i * 4] = s >>> 24;
        out[i * 4 + 1] = s >>> 16;
        out[i * 4 + 2] = s >>> 8;
        out[i * 4 + 3] = s;
      }
      return out;
    },
    hex(data) {
      run(data);
      for (let i = 0; i < 8; i++) {
        const s = state[i]!;
        hexPairs[i * 4] = HEX_PAIRS[s >>> 24]!;
        hexPairs[i * 4 + 1] = HEX_PAIRS[(s >>> 16) & 0xff]!;
        hexPairs[i * 4 + 2] = HEX_PAIRS[(s >>> 8) & 0xff]!;
        hexPairs[i * 4 + 3] = HEX_PAIRS[s & 0xff]!;
      }
      return hexOut.toString('latin1');
    },
  };
}
