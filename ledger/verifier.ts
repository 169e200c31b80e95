/**
 * The ledger's second entry: the offline verifier alone, without storage, Fabric's gRPC stack or
 * file access. The web console bundles it for the browser (console/build.ts substitutes its few
 * Node-only leaves), so a regulator's page runs exactly the checks `sluice verify` runs.
 */
export { verifyProof, verifyConsistency, verifyTreeHead } from './verify.ts';
export { trustAnchorsProblem } from './trust.ts';
export type { EmbeddedProof, LedgerRecord, Proof, SignedTreeHead, TrustAnchors, VerifyResult } from './types.ts';
