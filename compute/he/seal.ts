import * as sealModule from 'node-seal';
import type { SEALLibrary } from 'node-seal/implementation/seal.js';

export type Seal = SEALLibrary;
export type SealContext = ReturnType<Seal['Context']>;
export type SealCipherText = ReturnType<Seal['CipherText']>;
export type SealPlainText = ReturnType<Seal['PlainText']>;

// node-seal is a CommonJS bundle whose typings claim an ES default export; imported from ESM
// (Node, tsx, or the esbuild bundle of the job child) its module.exports, the loader, is `default`.
const load = (sealModule as unknown as { default: () => Promise<Seal> }).default;
let library: Promise<Seal> | undefined;

/** The WebAssembly SEAL library, instantiated once per process (≈ 35 ms). */
export function loadSeal(): Promise<Seal> {
  library ??= load();
  return library;
}
