import { canonicalBytes, sm3Hex } from '../crypto/index.ts';
import { isIsoUtc, isPlainObject } from './format/index.ts';
import {
  canonicalPublicKey,
  orgSignatureProblem,
  signatureOf,
  verifySignature,
  type OrgSigner,
  type TreeHeadAlg,
} from './signatures.ts';
import type { OperatorKeys } from './operator-key.ts';
import { keyInForce, trustDocument, type AnchorInput } from './trust.ts';
import type { BlockHeader, OrgSignature, SignedTreeHead, TrustAnchors } from './types.ts';

export type UnsignedTreeHead = Omit<SignedTreeHead, 'signatures'>;

export const GENESIS_PREVIOUS_HASH = '0'.repeat(64);
const STATEMENT_TYPE = 'sluice.ledger.sth.v1';
const HASH_HEX = /^[0-9a-f]{64}$/;
const HEAD_KEYS = ['blockHeight', 'previousBlockHash', 'rootHash', 'signatures', 'timestamp', 'treeSize'];
const MAX_SIGNATURES = 16;

export function blockHash(header: BlockHeader): string {
  const { height, previousBlockHash, treeSize, rootHash, timestamp, firstLeafIndex, lastLeafIndex } = header;
  return sm3Hex(canonicalBytes({ height, previousBlockHash, treeSize, rootHash, timestamp, firstLeafIndex, lastLeafIndex }));
}

export function treeHeadOf(header: BlockHeader): UnsignedTreeHead {
  return {
    treeSize: header.treeSize,
    rootHash: header.rootHash,
    timestamp: header.timestamp,
    blockHeight: header.height,
    previousBlockHash: header.previousBlockHash,
  };
}

/**
 * The bytes one organization signs. The organization's name is inside, so a signature cannot
 * be relabelled as another organization's.
 */
export function headStatement(head: UnsignedTreeHead, org: string): Uint8Array {
  return canonicalBytes({
    type: STATEMENT_TYPE,
    org,
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    timestamp: head.timestamp,
    blockHeight: head.blockHeight,
    previousBlockHash: head.previousBlockHash,
  });
}

export async function signTreeHead(head: UnsignedTreeHead, signers: readonly OrgSigner[]): Promise<OrgSignature[]> {
  return Promise.all(
    signers.map(async (signer) => signatureOf(signer, await signer.sign(headStatement(head, signer.org)))),
  );
}

/** Shape problems of a signed tree head (strict: one spelling per value), or undefined. */
export function treeHeadShapeProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'tree head must be a JSON object';
  if (Object.keys(value).sort().join() !== HEAD_KEYS.join()) return `tree head must have exactly ${HEAD_KEYS.join(', ')}`;
  const { treeSize, rootHash, timestamp, blockHeight, previousBlockHash, signatures } = value;
  if (!isCount(treeSize) || treeSize < 1) return 'tree head treeSize must be a positive integer';
  if (!isCount(blockHeight)) return 'tree head blockHeight must be a non-negative integer';
  if (typeof rootHash !== 'string' || !HASH_HEX.test(rootHash)) return 'tree head rootHash must be 64 lowercase hex digits';
  if (typeof previousBlockHash !== 'string' || !HASH_HEX.test(previousBlockHash)) {
    return 'tree head previousBlockHash must be 64 lowercase hex digits';
  }
  if ((blockHeight === 0) !== (previousBlockHash === GENESIS_PREVIOUS_HASH)) {
    return 'only the first block has an all-zero previous block hash';
  }
  if (!isIsoUtc(timestamp)) return 'tree head timestamp must be an ISO 8601 UTC timestamp';
  if (!Array.isArray(signatures) || signatures.length === 0) return 'tree head carries no signatures';
  if (signatures.length > MAX_SIGNATURES) return 'tree head carries too many signatures';
  const orgs = new Set<string>();
  for (const signature of signatures) {
    if (!isPlainObject(signature)) return 'a signature entry must be a JSON object';
    const problem = orgSignatureProblem(signature);
    if (problem) return problem;
    if (orgs.has(signature.org as string)) return `organization ${String(signature.org)} signed twice`;
    orgs.add(signature.org as string);
  }
  return undefined;
}

/**
 * Why a well-shaped head does not stand, or undefined. Every signature present must verify;
 * with trust anchors, every organization they name must have signed with one of its keys.
 */
export function treeHeadSignatureProblem(head: SignedTreeHead, trust?: TrustAnchors): string | undefined {
  for (const signature of head.signatures) {
    const { org, alg, publicKey } = signature;
    if (!verifySignature(alg as TreeHeadAlg, publicKey, signature.signature, headStatement(head, org))) {
      return `signature of ${org} on block ${head.blockHeight} does not verify`;
    }
  }
  return trust && trustProblem(head, trust);
}

/** Which organization named by the trust anchors did not sign `head` with a listed key, if any. */
export function trustProblem(head: SignedTreeHead, trust: TrustAnchors): string | undefined {
  for (const [org, keys] of Object.entries(trust.orgs)) {
    const signature = head.signatures.find((s) => s.org === org);
    if (!signature) return `block ${head.blockHeight} lacks a signature of trusted organization ${org}`;
    const signedWith = (key: string) => canonicalPublicKey(signature.alg as TreeHeadAlg, key) === signature.publicKey;
    if (!keys.some(signedWith)) {
      return `organization ${org} signed block ${head.blockHeight} with a key the trust anchors do not list`;
    }
    if (!keyInForce(trust, org, head.blockHeight, signedWith)) {
      return `organization ${org} signed block ${head.blockHeight} with a key the trust anchors do not list for that block`;
    }
  }
  return undefined;
}

/**
 * The trust document of an embedded ledger: every signer's current key and the operator's
 * retired keys, each with the blocks it signed; what a regulator pins.
 */
export function trustAnchorsFor(signers: readonly OrgSigner[], operator: OperatorKeys): TrustAnchors {
  const anchors: AnchorInput[] = signers.map((s) => {
    const current: AnchorInput = { org: s.org, role: s === operator.signer ? 'operator' : 'cosigner', alg: s.alg, key: s.publicKey };
    return s === operator.signer && operator.fromBlock > 0 ? { ...current, fromBlock: operator.fromBlock } : current;
  });
  for (const old of operator.retired) {
    anchors.push({ org: operator.signer.org, role: 'operator', alg: 'SM2', key: old.publicKey, fromBlock: old.fromBlock, untilBlock: old.untilBlock });
  }
  return trustDocument('embedded', anchors);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
