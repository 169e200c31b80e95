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

/**
 * Public keys (or MSP CA certificates) an offline verifier trusts, by organization: what
 * `GET /v1/ledger/trust` serves and `sluice verify --trust` takes. Only `orgs` is required;
 * the gateway's document also says what it is (`format`, `ledger`) and describes each anchor
 * (`keys`), including the blocks a rotated operator key was in force for.
 */
export interface TrustAnchors {
  orgs: Record<string, string[]>;
  format?: 'sluice.trust.v1';
  ledger?: 'embedded' | 'fabric';
  keys?: AnchorDetail[];
}

/** One anchor of a trust document, described for people and consoles. */
export interface AnchorDetail {
  org: string;
  /** `operator` signs every embedded head; `cosigner` witnesses it; `msp-root` is a Fabric organization's CA. */
  role: 'operator' | 'cosigner' | 'msp-root';
  alg: 'SM2' | 'Ed25519' | 'X.509';
  /** Exactly as listed under `orgs[org]`. */
  key: string;
  /** `SHA256:` and the unpadded base64 of the SHA-256 of the key's binary form (see docs/LEDGER.md §8). */
  fingerprint: string;
  /** Embedded heads only: the key signs heads of blocks `fromBlock … untilBlock` (inclusive); open-ended when absent. */
  fromBlock?: number;
  untilBlock?: number;
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
  /** What proofs of this ledger are verified against; undefined when none are configured (Fabric without SLUICE_FABRIC_TRUST_ANCHORS). */
  trustAnchors(): TrustAnchors | undefined;
  close(): Promise<void>;
}

/** What a block commits to; its SM3 over JCS links the next block to it. */
export interface BlockHeader {
  height: number;
  previousBlockHash: string;
  treeSize: number;
  rootHash: string;
  timestamp: string;
  firstLeafIndex: number;
  lastLeafIndex: number;
}
