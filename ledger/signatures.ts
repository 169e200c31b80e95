import { fail, SluiceError } from '../common/errors.ts';
import {
  bytesToHex,
  ed25519CanonicalPublicKey,
  ed25519RawPublicKey,
  ed25519Sign,
  ed25519Verify,
  hexToBytes,
  normalizeSm2PublicKey,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2Verify,
} from '../crypto/index.ts';
import type { OrgSignature } from './types.ts';

export type TreeHeadAlg = 'SM2' | 'Ed25519';

/** One organization able to sign tree heads: the operator, or a regulator/owner witness. */
export interface OrgSigner {
  org: string;
  alg: TreeHeadAlg;
  /** Canonical form: SM2 lowercase '04…' hex, Ed25519 SPKI PEM as Node exports it. */
  publicKey: string;
  sign(statement: Uint8Array): Promise<string> | string;
}

/**
 * A co-signing organization. With `privateKey` (SM2 hex scalar or Ed25519 PKCS#8 PEM) it signs
 * in-process; with `sign` the key stays with its owner, e.g. a regulator's witness service, and
 * every signature it returns is checked before a block is committed.
 */
export type CoSignerConfig = { org: string; alg: TreeHeadAlg; publicKey: string } & (
  | { privateKey: string }
  | { sign(statement: Uint8Array): Promise<string> | string }
);

const SM2_SIGNATURE = /^30(?:[0-9a-f]{2}){3,72}$/;
const ED25519_SIGNATURE = /^[0-9a-f]{128}$/;
const ORG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isOrgName(value: unknown): value is string {
  return typeof value === 'string' && ORG_NAME.test(value);
}

/**
 * The one accepted spelling of a public key, or undefined. Proofs must use it verbatim: letting
 * two spellings of a key through (hex case, PEM line breaks, base64 padding bits) would let
 * edited proofs pass as valid.
 */
export function canonicalPublicKey(alg: TreeHeadAlg, key: string): string | undefined {
  const memo = `${alg}|${key}`;
  if (canonicalKeys.has(memo)) return canonicalKeys.get(memo);
  let canonical: string | undefined;
  try {
    canonical = alg === 'SM2' ? normalizeSm2PublicKey(key) : ed25519CanonicalPublicKey(key);
  } catch {
    canonical = undefined;
  }
  remember(canonicalKeys, memo, canonical);
  return canonical;
}

// Parsing a key (an SM2 point check) costs tens of microseconds, and a verifier meets the same
// few organization keys in every proof. Bounded: entries beyond the limit evict the oldest.
const MEMO_LIMIT = 4096;
const canonicalKeys = new Map<string, string | undefined>();

function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
}

export function signerFromConfig(config: CoSignerConfig): OrgSigner {
  if (!isOrgName(config.org)) throw fail.validation('organization names are 1-64 letters, digits, dot, dash or underscore');
  if (config.alg !== 'SM2' && config.alg !== 'Ed25519') throw fail.validation('co-signers sign with SM2 or Ed25519');
  const publicKey = canonicalPublicKey(config.alg, config.publicKey);
  if (!publicKey) throw fail.validation(`public key of organization ${config.org} is not a valid ${config.alg} key`);
  if ('privateKey' in config) {
    const signer = localSigner(config.org, config.alg, config.privateKey, publicKey);
    if (!keyPairMatches(signer, config.privateKey)) {
      throw fail.validation(`private and public key of organization ${config.org} do not match`);
    }
    return signer;
  }
  const { org, alg, sign } = config;
  return {
    org,
    alg,
    publicKey,
    async sign(statement) {
      const signature = await sign(statement);
      const usable =
        orgSignatureProblem({ org, alg, publicKey, signature }) === undefined &&
        verifySignature(alg, publicKey, signature, statement);
      if (!usable) throw new SluiceError('SIGNATURE_INVALID', `co-signer ${org} returned a signature that does not verify`);
      return signature;
    },
  };
}

export function localSigner(org: string, alg: TreeHeadAlg, privateKey: string, publicKey: string): OrgSigner {
  const sign =
    alg === 'SM2'
      ? (statement: Uint8Array) => sm2Sign(statement, privateKey)
      : (statement: Uint8Array) => bytesToHex(ed25519Sign(statement, privateKey));
  return { org, alg, publicKey, sign };
}

function keyPairMatches(signer: OrgSigner, privateKey: string): boolean {
  try {
    if (signer.alg === 'SM2') return sm2PublicKeyFromPrivate(privateKey) === signer.publicKey;
    return bytesToHex(ed25519RawPublicKey(privateKey)) === bytesToHex(ed25519RawPublicKey(signer.publicKey));
  } catch {
    return false;
  }
}

/** Shape problems of one signature entry of an embedded tree head, or undefined. */
export function orgSignatureProblem(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 4 || !['org', 'alg', 'publicKey', 'signature'].every((k) => keys.includes(k))) {
    return 'a signature entry must have exactly org, alg, publicKey and signature';
  }
  const { org, alg, publicKey, signature } = value;
  if (!isOrgName(org)) return 'signature entry has an invalid organization name';
  if (alg !== 'SM2' && alg !== 'Ed25519') return `signature of ${org} uses an algorithm embedded tree heads do not use`;
  if (typeof publicKey !== 'string' || canonicalPublicKey(alg, publicKey) !== publicKey) {
    return `public key of ${org} is not in canonical ${alg} form`;
  }
  const pattern = alg === 'SM2' ? SM2_SIGNATURE : ED25519_SIGNATURE;
  if (typeof signature !== 'string' || !pattern.test(signature)) {
    return `signature of ${org} is not lowercase ${alg === 'SM2' ? 'DER ' : ''}hex`;
  }
  return undefined;
}

// SM2 verification costs milliseconds; receipts of one block share its head, so a verifier
// checking many of them pays once. Only successes are remembered, keyed by every input.
const verified = new Map<string, true>();

export function verifySignature(alg: TreeHeadAlg, publicKey: string, signature: string, statement: Uint8Array): boolean {
  const key = `${alg}|${publicKey}|${signature}|${bytesToHex(statement)}`;
  if (verified.has(key)) return true;
  const ok =
    alg === 'SM2' ? sm2Verify(statement, signature, publicKey) : ed25519VerifyHex(statement, signature, publicKey);
  if (ok) remember(verified, key, true);
  return ok;
}

function ed25519VerifyHex(statement: Uint8Array, signature: string, publicKey: string): boolean {
  try {
    return ed25519Verify(statement, hexToBytes(signature), publicKey);
  } catch {
    return false;
  }
}

export function signatureOf(signer: OrgSigner, signature: string): OrgSignature {
  return { org: signer.org, alg: signer.alg, publicKey: signer.publicKey, signature };
}
