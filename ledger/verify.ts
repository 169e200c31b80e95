import { hexToBytes } from '../crypto/index.ts';
import { equalHashes, leafHash, rootFromInclusionPath, verifyConsistencyPath } from './merkle.ts';
import { isPlainObject } from './format/index.ts';
import { canonicalRecord } from './record.ts';
import { treeHeadShapeProblem, treeHeadSignatureProblem } from './tree-head.ts';
import { trustAnchorsProblem } from './trust.ts';
// proof.ts rather than fabric/index.ts: the index also loads the gRPC client (seconds), which an
// offline verifier never needs.
import { verifyFabricProof } from './fabric/proof.ts';
import type { EmbeddedProof, FabricProof, LedgerRecord, SignedTreeHead, TrustAnchors, VerifyResult } from './types.ts';

/**
 * Offline verification: needs nothing but its arguments. Inputs are treated as untrusted JSON
 * whatever their static type, and strictly: every value has one accepted spelling, so an edited
 * proof cannot pass as valid.
 */

const HASH_HEX = /^[0-9a-f]{64}$/;
const PROOF_KEYS = ['auditPath', 'kind', 'leafIndex', 'treeHead'];
const MAX_PATH = 64;

export function verifyProof(record: unknown, proof: unknown, trust?: TrustAnchors): VerifyResult {
  const trustProblem = trust === undefined ? undefined : trustAnchorsProblem(trust);
  if (trustProblem) return invalid(trustProblem);
  if (!isPlainObject(proof)) return invalid('proof must be a JSON object');
  let recordJson: string;
  try {
    recordJson = canonicalRecord(record);
  } catch (error) {
    return invalid((error as Error).message);
  }
  switch (proof.kind) {
    case 'embedded':
      return verifyEmbeddedProof(recordJson, proof, trust);
    case 'fabric':
      try {
        return verifyFabricProof(record as LedgerRecord, proof as unknown as FabricProof, trust);
      } catch {
        return invalid('malformed fabric proof');
      }
    default:
      return invalid('unknown proof kind');
  }
}

function verifyEmbeddedProof(recordJson: string, proof: Record<string, unknown>, trust?: TrustAnchors): VerifyResult {
  const keys = Object.keys(proof).sort();
  if (keys.length !== PROOF_KEYS.length || keys.some((k, i) => k !== PROOF_KEYS[i])) {
    return invalid(`embedded proof must have exactly ${PROOF_KEYS.join(', ')}`);
  }
  const { leafIndex, auditPath, treeHead } = proof as unknown as EmbeddedProof;
  const headProblem = treeHeadShapeProblem(treeHead);
  if (headProblem) return invalid(headProblem);
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0) return invalid('leafIndex must be a non-negative integer');
  if (!isHashList(auditPath)) return invalid(`auditPath must be a list of at most ${MAX_PATH} lowercase hex SM3 hashes`);
  const root = rootFromInclusionPath(leafIndex, treeHead.treeSize, leafHash(new TextEncoder().encode(recordJson)), auditPath.map(hexToBytes));
  if (!root) return invalid('audit path does not fit the leaf index and tree size');
  if (!equalHashes(root, hexToBytes(treeHead.rootHash))) {
    return invalid('root mismatch: the record is not in the tree the signed head commits to');
  }
  const signatureProblem = treeHeadSignatureProblem(treeHead, trust);
  return signatureProblem ? invalid(signatureProblem) : { valid: true };
}

/** Checks one signed tree head on its own: shape and signatures (and trust anchors, if given). */
export function verifyTreeHead(head: unknown, trust?: TrustAnchors): VerifyResult {
  const trustProblem = trust === undefined ? undefined : trustAnchorsProblem(trust);
  if (trustProblem) return invalid(trustProblem);
  const problem = treeHeadShapeProblem(head) ?? treeHeadSignatureProblem(head as SignedTreeHead, trust);
  return problem ? invalid(problem) : { valid: true };
}

/**
 * Checks that `newHead`'s tree extends `oldHead`'s without rewriting it (RFC 9162 §2.1.4.2),
 * and that both heads carry valid signatures. This is how a regulator holding an old receipt
 * detects a ledger whose history was rebuilt.
 */
export function verifyConsistency(oldHead: unknown, newHead: unknown, proof: unknown, trust?: TrustAnchors): VerifyResult {
  for (const head of [oldHead, newHead]) {
    const result = verifyTreeHead(head, trust);
    if (!result.valid) return result;
  }
  const older = oldHead as SignedTreeHead;
  const newer = newHead as SignedTreeHead;
  if (!isHashList(proof)) return invalid(`consistency proof must be a list of at most ${MAX_PATH} lowercase hex SM3 hashes`);
  if (older.treeSize > newer.treeSize) return invalid('the old head is larger than the new one');
  const consistent = verifyConsistencyPath(
    older.treeSize,
    newer.treeSize,
    hexToBytes(older.rootHash),
    hexToBytes(newer.rootHash),
    proof.map(hexToBytes),
  );
  return consistent ? { valid: true } : invalid('the new tree does not extend the old one: history was rewritten');
}

function isHashList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= MAX_PATH && value.every((h) => typeof h === 'string' && HASH_HEX.test(h));
}

function invalid(reason: string): VerifyResult {
  return { valid: false, reason };
}
