import { createRequire } from 'node:module';
import type { SEALLibrary } from 'node-seal/implementation/seal.js';

export type Seal = SEALLibrary;
export type SealContext = ReturnType<Seal['Context']>;
export type SealCipherText = ReturnType<Seal['CipherText']>;
export type SealPlainText = ReturnType<Seal['PlainText']>;
export type SealPublicKey = ReturnType<Seal['PublicKey']>;
export type SealSecretKey = ReturnType<Seal['SecretKey']>;

// node-seal ships a UMD bundle whose typings declare an ES default export; requiring it gives
// the loader function itself under both tsx and plain Node.
const require = createRequire(import.meta.url);
let library: Promise<Seal> | undefined;

/** The WebAssembly SEAL library, instantiated once per process (≈ 35 ms). */
export function loadSeal(): Promise<Seal> {
  library ??= (require('node-seal') as () => Promise<Seal>)();
  return library;
}
