import { canonicalize, normalizeSm2PublicKey, sm2PublicKeyFromPrivate, sm2Sign, sm3Hex } from '../../crypto/index.ts';
import type { ContractTerms } from '../terms/index.ts';

/**
 * Contract approval in the page: RFC 8785 of the terms, SM2 over those bytes with the default
 * signer ID, DER hex (SURFACE.md). The key file is read here and its private key used here only;
 * what leaves the page is the signature. (`../../crypto/index.ts` is the browser build of the
 * primitives, console/web/platform/crypto.ts.)
 */

export type SigningProblem = 'keyUnreadable' | 'keyMismatch' | 'digestMismatch' | 'noPublicKey';

export class SigningError extends Error {
  constructor(readonly problem: SigningProblem) {
    super(problem);
  }
}

/** The private key of a `sluice keygen` file: `{"alg":"sm2","privateKey":"<64 hex>","publicKey":"04…"}`. */
export function privateKeyOf(keyFileText: string): string {
  let parsed: { alg?: unknown; privateKey?: unknown };
  try {
    parsed = JSON.parse(keyFileText) as typeof parsed;
  } catch {
    throw new SigningError('keyUnreadable');
  }
  if (parsed.alg !== 'sm2' || typeof parsed.privateKey !== 'string' || !/^[0-9a-fA-F]{64}$/.test(parsed.privateKey)) throw new SigningError('keyUnreadable');
  return parsed.privateKey;
}

/**
 * The approval signature over `terms`, after checking that the terms are the ones their digest
 * names and that the key is the party's registered one (a wrong key would only earn a
 * SIGNATURE_INVALID from the gateway).
 */
export function signTerms(terms: ContractTerms, digest: string, privateKey: string, registeredPublicKey: string | null): string {
  if (!registeredPublicKey) throw new SigningError('noPublicKey');
  const canonical = canonicalize(terms);
  if (sm3Hex(canonical) !== digest.toLowerCase()) throw new SigningError('digestMismatch');
  let derived: string;
  try {
    derived = sm2PublicKeyFromPrivate(privateKey);
  } catch {
    throw new SigningError('keyUnreadable');
  }
  if (derived !== normalizeSm2PublicKey(registeredPublicKey)) throw new SigningError('keyMismatch');
  return sm2Sign(canonical, privateKey);
}
