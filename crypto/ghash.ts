/**
 * GHASH (NIST SP 800-38D §6.4) in constant time: no branch and no memory index depends on H or
 * on the data, so cache and branch timing say nothing about either (a table indexed by data
 * bytes, as in Shoup's method, does). The arithmetic runs in WebAssembly, 64-bit integer
 * multiplications with holes standing in for carry-less ones; scripts/ghash-wasm.ts holds its
 * text and the reasons.
 *
 * One module instance serves every key: each key keeps its own table of H's powers, copied into
 * the module's memory when that key hashes after another one did.
 */
import { GHASH_LAYOUT as L, GHASH_WASM } from './ghash-module.ts';
import { instantiate } from './wasm.ts';

export interface Ghash {
  /** The state after absorbing `aad`, zero-padded: what every message under the same AAD starts from. */
  prefix(aad: Uint8Array): Uint8Array;
  /**
   * XORs GHASH(H, A, C) into out[at, at + 16), where A is the AAD `prefix` came from and C is
   * data[from, from + length), zero-padded, followed by the bit lengths. With E(K, J0) there,
   * that makes the GCM tag in place.
   */
  finish(prefix: Uint8Array, aadLength: number, data: Uint8Array, from: number, length: number, out: Uint8Array, at: number): void;
}

interface GhashExports {
  init(): void;
  absorb(ptr: number, blocks: number): void;
}

const wasm = instantiate<GhashExports>(GHASH_WASM);
// The memory never grows, so one view stays valid.
const memory = new Uint8Array(wasm.memory.buffer);
const lengths = new DataView(wasm.memory.buffer);
/** Whole blocks per copy, leaving room for the lengths block after the last one. */
const PIECE = L.dataBytes - 16;

/** The table now in the module's memory. */
let loaded: Uint8Array | undefined;

function use(table: Uint8Array): void {
  if (loaded === table) return;
  memory.set(table, L.table);
  loaded = table;
}

/**
 * Absorbs data[from, from + length), zero-padded to whole blocks; with `lengthsBlock`, the block
 * of the two bit lengths after it.
 */
function absorb(data: Uint8Array, from: number, length: number, lengthsBlock?: { aad: number; data: number }): void {
  let off = from;
  const end = from + length;
  do {
    const take = Math.min(PIECE, end - off);
    memory.set(data.subarray(off, off + take), L.data);
    const padded = (take + 15) & ~15;
    memory.fill(0, L.data + take, L.data + padded);
    off += take;
    let blocks = padded >>> 4;
    if (off === end && lengthsBlock) {
      const at = L.data + padded;
      lengths.setUint32(at, Math.floor(lengthsBlock.aad / 0x20000000));
      lengths.setUint32(at + 4, (lengthsBlock.aad * 8) >>> 0);
      lengths.setUint32(at + 8, Math.floor(lengthsBlock.data / 0x20000000));
      lengths.setUint32(at + 12, (lengthsBlock.data * 8) >>> 0);
      blocks++;
    }
    if (blocks > 0) wasm.absorb(L.data, blocks);
  } while (off < end);
}

export function createGhash(h: Uint8Array): Ghash {
  memory.set(h.subarray(0, 16), L.h);
  wasm.init();
  memory.fill(0, L.h, L.h + 16);
  const table = memory.slice(L.table, L.table + L.tableBytes);
  loaded = table;

  return {
    prefix(aad) {
      use(table);
      memory.fill(0, L.state, L.state + 16);
      absorb(aad, 0, aad.length);
      return memory.slice(L.state, L.state + 16);
    },
    finish(prefix, aadLength, data, from, length, out, at) {
      use(table);
      memory.set(prefix, L.state);
      absorb(data, from, length, { aad: aadLength, data: length });
      for (let i = 0; i < 16; i++) out[at + i]! ^= memory[L.state + i]!;
    },
  };
}
