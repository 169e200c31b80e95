/**
 * The ledger contract shared by the embedded ledger and the Fabric adapter. Records carry
 * digests, counts and identifiers only — never personal values — so that anything on the
 * ledger may be shown to a regulator or a co-signing organization.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type LedgerRecordType =
  | 'contract.approved'
  | 'contract.revoked'
  | 'transfer.receipt'
  | 'key.event'
  | 'audit.event'
  | 'compute.job'
  | 'compute.approval'
  | 'compute.release'
  | 'egress';

export interface LedgerRecord {
  /** Unique; appending the same id twice anchors it once (idempotency key). */
  id: string;
  type: LedgerRecordType;
  /** ISO 8601 UTC. */
  timestamp: string;
  /** Index keys for queries by contract and by exporter. */
  contractId?: string;
  exporterId?: string;
  data: JsonObject;
}

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
