import type { LedgerRecord } from './format/index.ts';

/**
 * The ledger contract shared by the embedded ledger and the Fabric adapter. The record itself is
 * in ./format/, the entry the chaincode shares.
 */
export type { JsonObject, JsonValue, LedgerRecord, LedgerRecordType } from './format/index.ts';

/** Signature of one organization over a signed tree head (embedded) or endorsement (Fabric). */
export interface OrgSignature {
  org: string;
  alg: 'SM2' | 'Ed25519' | 'ECDSA-P256';
  /** Hex uncompressed SM2 key, or PEM for Ed25519/ECDSA certificates. */
  publicKey: string;
  signature: string;
}

export interface SignedTreeHead {
  treeSize: number;
  /** Hex SM3 Merkle root (RFC 9162 structure, SM3 hashes). */
  rootHash: string;
  timestamp: string;
  blockHeight: number;
  /** Hex hash of the previous block header; all zeros for the first block. */
  previousBlockHash: string;
  signatures: OrgSignature[];
}

export interface EmbeddedProof {
  kind: 'embedded';
  leafIndex: number;
  /** Hex sibling hashes from leaf to root. */
  auditPath: string[];
  treeHead: SignedTreeHead;
}

export interface FabricProof {
  kind: 'fabric';
  channel: string;
  chaincode: string;
  transactionId: string;
  blockNumber: number;
  /** Base64 proposal response payload that the endorsements sign. */
  payload: string;
  endorsements: OrgSignature[];
}

export type Proof = EmbeddedProof | FabricProof;

export interface AnchoredRecord {
  record: LedgerRecord;
  proof: Proof;
}

export interface VerifyResult {
  valid: boolean;
  reason?: string;
}

/** Public keys (or MSP certificates) an offline verifier trusts, by organization. */
export interface TrustAnchors {
  orgs: Record<string, string[]>;
}

export interface AuditFinding {
  where: string;
  problem: string;
}

export interface AuditReport {
  clean: boolean;
  blocks: number;
  records: number;
  findings: AuditFinding[];
}

export interface Ledger {
  readonly kind: 'embedded' | 'fabric';
  /**
   * Anchors a record and resolves with its proof once committed. Idempotent by `record.id`:
   * the same record again returns the existing proof; a different record under an existing id
   * is rejected.
   */
  append(record: LedgerRecord): Promise<Proof>;
  get(id: string): Promise<AnchoredRecord | undefined>;
  close(): Promise<void>;
}
