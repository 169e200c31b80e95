import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { fail } from '../common/errors.ts';
import { hexToBytes, normalizeSm2PublicKey } from '../crypto/index.ts';
import { isPlainObject } from './format/index.ts';
import type { AnchorDetail, TrustAnchors } from './types.ts';

export const TRUST_FORMAT = 'sluice.trust.v1';
const DOCUMENT_KEYS = new Set(['format', 'ledger', 'orgs', 'keys']);
const DETAIL_KEYS = new Set(['org', 'role', 'alg', 'key', 'fingerprint', 'fromBlock', 'untilBlock']);
const MAX_ORGS = 64;
const MAX_KEYS_PER_ORG = 64;

/**
 * Problems in a trust-anchor document, or undefined. A document naming no organization is
 * refused: it would require no signature at all, so any proof would pass against it.
 */
export function trustAnchorsProblem(value: unknown): string | undefined {
  const shape = 'trust anchors must be {"orgs": {"<organization>": ["<public key>", …]}}';
  if (!isPlainObject(value) || !isPlainObject(value.orgs)) return shape;
  if (Object.keys(value).some((k) => !DOCUMENT_KEYS.has(k))) return `${shape}, optionally with format, ledger and keys`;
  if (value.format !== undefined && value.format !== TRUST_FORMAT) return `trust anchors format must be ${TRUST_FORMAT}`;
  if (value.ledger !== undefined && value.ledger !== 'embedded' && value.ledger !== 'fabric') return 'trust anchors ledger must be embedded or fabric';
  const orgs = Object.entries(value.orgs);
  if (orgs.length === 0) return 'trust anchors name no organization';
  if (orgs.length > MAX_ORGS) return `trust anchors name more than ${MAX_ORGS} organizations`;
  for (const [, keys] of orgs) {
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS_PER_ORG || !keys.every((k) => typeof k === 'string')) {
      return 'each trusted organization needs a non-empty list of public keys';
    }
  }
  return value.keys === undefined ? undefined : detailsProblem(value.keys, value.orgs as Record<string, string[]>);
}

function detailsProblem(details: unknown, orgs: Record<string, string[]>): string | undefined {
  if (!Array.isArray(details) || details.length > MAX_ORGS * MAX_KEYS_PER_ORG) return 'trust anchors keys must be a list';
  for (const detail of details) {
    if (!isPlainObject(detail) || Object.keys(detail).some((k) => !DETAIL_KEYS.has(k))) return 'a trust anchors keys entry has unknown members';
    const { org, key, fromBlock, untilBlock } = detail;
    if (typeof org !== 'string' || typeof key !== 'string' || !orgs[org]?.includes(key)) {
      return 'every trust anchors keys entry must name an organization and one of its listed keys';
    }
    for (const bound of [fromBlock, untilBlock]) {
      if (bound !== undefined && !(Number.isSafeInteger(bound) && (bound as number) >= 0)) return 'fromBlock and untilBlock must be block heights';
    }
    if (typeof fromBlock === 'number' && typeof untilBlock === 'number' && untilBlock < fromBlock) return 'untilBlock is before fromBlock';
  }
  return undefined;
}

/** Reads a trust-anchor JSON file, as `sluice verify --trust` and `sluice ledger audit --trust` take it. */
export function readTrustAnchorsFile(file: string): TrustAnchors {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw fail.validation('trust anchors file is missing or not JSON');
  }
  const problem = trustAnchorsProblem(parsed);
  if (problem) throw fail.validation(problem);
  return parsed as TrustAnchors;
}

/**
 * Whether `key` (canonical form) of `org` may sign the head of block `height`. A key the
 * document gives validity ranges for signs only inside them — an operator key retired at a
 * rotation signs no later head — and a key without ranges any head.
 */
export function keyInForce(trust: TrustAnchors, org: string, height: number, matches: (listed: string) => boolean): boolean {
  const ranges = (trust.keys ?? []).filter((d) => d.org === org && matches(d.key) && (d.fromBlock !== undefined || d.untilBlock !== undefined));
  if (ranges.length === 0) return true;
  return ranges.some((d) => height >= (d.fromBlock ?? 0) && height <= (d.untilBlock ?? Number.MAX_SAFE_INTEGER));
}

export type AnchorInput = Omit<AnchorDetail, 'fingerprint'>;

/** The self-describing trust document of a ledger: `orgs` for verifiers, `keys` for people. */
export function trustDocument(ledger: 'embedded' | 'fabric', anchors: readonly AnchorInput[]): TrustAnchors {
  const orgs: Record<string, string[]> = {};
  for (const anchor of anchors) (orgs[anchor.org] ??= []).push(anchor.key);
  return { format: TRUST_FORMAT, ledger, orgs, keys: anchors.map((a) => ({ ...a, fingerprint: anchorFingerprint(a.key) ?? 'unreadable' })) };
}

/**
 * `SHA256:` and the unpadded base64 SHA-256 of an anchor's binary form, as OpenSSH shows host
 * keys: the 65-byte uncompressed point of an SM2 key, the DER SubjectPublicKeyInfo of a PEM
 * public key, the DER of a certificate. Undefined for text that is none of these.
 */
export function anchorFingerprint(anchor: string): string | undefined {
  let bytes: Uint8Array;
  try {
    if (anchor.includes('-----BEGIN CERTIFICATE-----')) bytes = new X509Certificate(anchor).raw;
    else if (anchor.includes('-----BEGIN')) bytes = createPublicKey(anchor).export({ format: 'der', type: 'spki' });
    else bytes = hexToBytes(normalizeSm2PublicKey(anchor));
  } catch {
    return undefined;
  }
  return `SHA256:${createHash('sha256').update(bytes).digest('base64').replace(/=+$/, '')}`;
}
