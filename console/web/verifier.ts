import { trustAnchorsProblem, verifyConsistency, verifyProof, verifyTreeHead, type Proof, type SignedTreeHead, type TrustAnchors, type VerifyResult } from '../../ledger/verifier.ts';

/**
 * The regulator's checks, run in the page with the ledger's own verifier code (bundled for the
 * browser): receipts against pinned trust anchors, and a new tree head against the last one
 * confirmed. Nothing here asks the gateway whether something is valid.
 */

export type { SignedTreeHead, TrustAnchors, VerifyResult };

export function parseTrustAnchors(text: string): TrustAnchors | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  return trustAnchorsProblem(parsed) ?? (parsed as TrustAnchors);
}

/** A `{receipt, proof}` (or `{record, proof}`) body, checked as `sluice verify --trust` checks it. */
export function verifyReceiptBody(body: unknown, trust: TrustAnchors): VerifyResult & { detail?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { valid: false, reason: 'the receipt is not a JSON object' };
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'proof,receipt' && keys !== 'proof,record') return { valid: false, reason: 'the body must hold exactly {receipt, proof} or {record, proof}' };
  const { receipt, record, proof } = body as { receipt?: unknown; record?: unknown; proof: Proof };
  const result = verifyProof(receipt ?? record, proof, trust);
  if (!result.valid || proof.kind !== 'embedded') return result;
  const head = proof.treeHead;
  return { valid: true, detail: `leaf ${proof.leafIndex} / ${head.treeSize}, block ${head.blockHeight}, ${head.signatures.map((s) => s.org).join(', ')}` };
}

export function checkHead(head: unknown, trust: TrustAnchors): VerifyResult {
  return verifyTreeHead(head, trust);
}

export function checkConsistency(old: SignedTreeHead, head: unknown, proof: unknown, trust: TrustAnchors): VerifyResult {
  return verifyConsistency(old, head, proof, trust);
}

/** Anchors naming the organizations and keys that signed a head: trust on first use. */
export function anchorsOfHead(head: SignedTreeHead): TrustAnchors {
  return { orgs: Object.fromEntries(head.signatures.map((s) => [s.org, [s.publicKey]])) };
}

export function sameAnchors(a: TrustAnchors, b: TrustAnchors): boolean {
  const norm = (t: TrustAnchors) => JSON.stringify(Object.keys(t.orgs).sort().map((org) => [org, [...(t.orgs[org] ?? [])].sort()]));
  return norm(a) === norm(b);
}
