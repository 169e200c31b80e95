import type { SEALLibrary } from 'node-seal/implementation/seal.js';

export type Seal = SEALLibrary;
export type SealContext = ReturnType<Seal['Context']>;
export type SealCipherText = ReturnType<Seal['CipherText']>;
export type SealPlainText = ReturnType<Seal['PlainText']>;

let library: Promise<Seal> | undefined;

/**
 * The WebAssembly SEAL library, instantiated once per process (≈ 35 ms). Imported on first use,
 * so a process that only reads HE formats (the gateway's KMS client) never loads it.
 */
export function loadSeal(): Promise<Seal> {
  // node-seal is a CommonJS bundle whose typings claim an ES default export; imported from ESM
  // (Node, tsx, or the esbuild bundle of the job child) its module.exports, the loader, is `default`.
  library ??= import('node-seal').then((module) => (module as unknown as { default: () => Promise<Seal> }).default());
  return library;
}
