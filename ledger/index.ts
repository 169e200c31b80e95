/**
 * The ledger component: an embedded permissioned ledger (append-only SM3 Merkle log in blocks
 * with organization-signed tree heads) and the offline verifier regulators use for its proofs.
 */
export * from './types.ts';
export { openLedger } from './open.ts';
export { openEmbeddedLedger, type BatchOptions, type EmbeddedLedger, type EmbeddedLedgerOptions } from './embedded.ts';
export { verifyProof, verifyConsistency, verifyTreeHead } from './verify.ts';
export { auditLedger, type AuditOptions } from './audit.ts';
export { anchorFingerprint, readTrustAnchorsFile, trustAnchorsProblem, TRUST_FORMAT } from './trust.ts';
export { rotateEmbeddedOperatorKey } from './operator-key.ts';
export { RECORD_TYPES, MAX_RECORD_BYTES } from './format/index.ts';
export type { CoSignerConfig, TreeHeadAlg } from './signatures.ts';
