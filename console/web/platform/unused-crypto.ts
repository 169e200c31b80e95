/**
 * Stands in for the node:crypto names ledger/trust.ts imports for building trust documents on
 * the server (fingerprints of certificates and keys). The page's verifier never calls them and
 * the bundler drops them; if something did, it would fail loudly rather than compute anything.
 */
function unavailable(): never {
  throw new Error('node:crypto is not available in the page');
}

export const createHash = unavailable;
export const createPublicKey = unavailable;
export class X509Certificate {
  constructor() {
    unavailable();
  }
}
