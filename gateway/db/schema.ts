import type { ComplianceTables } from '../compliance/index.ts';
import type { DisclosureTables } from '../compute/disclosure/tables.ts';
import type { ComputeTables } from '../compute/tables.ts';

/** Row types of the gateway database (both engines). Dates are ISO 8601 UTC strings. */
export interface PartiesTable {
  id: string;
  name: string;
  kind: 'domestic' | 'overseas' | 'regulator';
  jurisdiction: string;
  public_key: string | null;
  ciio: number;
  ftz: string | null;
  industry: string | null;
  contact: string | null;
  /** KMS key-encryption key that wraps this party's data keys (domestic owners). */
  kek_id: string | null;
  /** Wrapped secret for owner-scoped transform keys (`scope: "owner"`). */
  owner_secret: string | null;
  created_at: string;
  /** An overseas model provider's OpenAI-compatible base URL (AI egress); null for other parties. */
  endpoint: string | null;
}

export interface TokensTable {
  /** Hex SHA-256 of the bearer token; the token itself is never stored. */
  hash: string;
  /** `tok_…`: how listings, rotation and revocation name the token (migration 0020). */
  id: string;
  party_id: string | null;
  role: 'admin' | 'party';
  created_at: string;
  /** Refused from this instant on; null = no expiry. */
  expires_at: string | null;
  revoked_at: string | null;
  /** 1 for the admin token bootstrapped from SLUICE_ADMIN_TOKEN (or generated at first start). */
  bootstrap: number;
}

export interface DatasetsTable {
  id: string;
  owner_id: string;
  name: string;
  fields: string;
  subject_field: string | null;
  kek_id: string;
  /** Dataset data key, wrapped by the KMS under `kek_id`. */
  wrapped_dek: string;
  dek_alg: 'SM4-GCM' | 'AES-256-GCM';
  record_count: number;
  created_at: string;
}

export interface DatasetUploadsTable {
  id: string;
  dataset_id: string;
  status: 'open' | 'committed';
  records: number;
  created_at: string;
  committed_at: string | null;
}

/** Chunks of an upload become visible only when their upload commits. */
export interface DatasetChunksTable {
  dataset_id: string;
  upload_id: string;
  seq: number;
  records: number;
  /** nonce ‖ ciphertext ‖ tag of an NDJSON chunk. */
  payload: Uint8Array;
  /** The same rows' numeric fields and subject identifiers by column (`sealColumns`), sealed the same way; null before migration 0007. */
  columns: Uint8Array | null;
  /** Per row the owner-keyed subject hash (`hashSubjects`), in clear so compliance needs no key; null before migration 0030 or without a subject field. */
  subjects: Uint8Array | null;
}

export interface ContractsTable {
  id: string;
  /** Null for an AI egress contract, which covers prompts rather than a dataset. */
  dataset_id: string | null;
  owner_id: string;
  recipient_id: string;
  status: 'pending' | 'approved' | 'revoked';
  /** RFC 8785 canonical JSON of the terms, exactly the bytes the owner signs. */
  terms: string;
  digest: string;
  signature: string | null;
  valid_from: string;
  valid_until: string;
  /** Per-contract KMS key: wraps the transform secret and field-encryption keys; destroying it shreds them. */
  kek_id: string;
  /** Wrapped per-contract secret from which hash/simulate/tokenize keys derive. */
  secret: string;
  created_at: string;
  approved_at: string | null;
  revoked_at: string | null;
}

export interface TransfersTable {
  id: string;
  contract_id: string;
  exporter_id: string;
  recipient_id: string;
  dataset_id: string;
  purpose: string;
  records: number;
  subjects: number;
  /** Field-encryption data key of this transfer, wrapped by the contract key (null when unused). */
  wrapped_field_key: string | null;
  receipt: string;
  package_digest: string;
  created_at: string;
  /** Bytes of the package as served. */
  package_size: number | null;
  /** The production attempt whose parts are the package (0 for packages stored before migration 0030). */
  package_attempt: number;
  /** The KMS key (of the transfer's day, `package_key_epochs`) whose data key seals the package's first part at rest. Null for packages stored before migration 0030. */
  package_key_id: string | null;
  /** That data key, wrapped by the KMS. */
  package_key: string | null;
  /** When the package was deleted (download window over, contract revoked or expired). */
  package_deleted_at: string | null;
}

/** A package in parts of about a megabyte, in order; part 0 (header) sealed at rest under the transfer's package key. */
export interface TransferPackagePartsTable {
  transfer_id: string;
  /** Each production attempt writes its own parts, so an abandoned attempt never mixes with the next. */
  attempt: number;
  seq: number;
  /** Offset of the part's first byte in the package as served. */
  first_byte: number;
  /** Its length in the package as served. */
  size: number;
  bytes: Uint8Array;
}

/** A transfer accepted with 202 and produced in the background; leased so that exactly one gateway works on it. */
export interface TransferJobsTable {
  id: string;
  contract_id: string;
  recipient_id: string;
  purpose: string;
  /** Records planned at acceptance; the same first records of the dataset are read on every attempt. */
  records: number;
  /** Records transformed and sealed so far in this attempt. */
  done: number;
  status: 'running' | 'completed' | 'failed';
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

/** One KMS key per UTC day seals the heads of that day's packages; destroyed once the day's download windows are all over. */
export interface PackageKeyEpochsTable {
  /** YYYY-MM-DD (UTC). */
  day: string;
  key_id: string;
  destroyed_at: string | null;
}

/** First responses of requests sent with `Idempotency-Key`, per caller and route. */
export interface IdempotencyKeysTable {
  caller: string;
  scope: string;
  key: string;
  /** SHA-256 of the request (method, URL, body); null until a streamed body has been read. */
  fingerprint: string | null;
  state: 'pending' | 'done';
  status: number | null;
  body: string | null;
  created_at: string;
  /** Refreshed while the first request runs; a pending key without a recent beat was abandoned. */
  heartbeat_at: string;
}

export interface OutboxTable {
  /** The ledger record id; anchoring is idempotent by it. */
  id: string;
  record: string;
  created_at: string;
  anchored_at: string | null;
  attempts: number;
  last_error: string | null;
}

/** One prompt sent to an overseas model (AI egress): its `egress` ledger record, for the reports. */
export interface EgressCallsTable {
  /** The call's `egr_…` id, also the ledger record's. */
  id: string;
  contract_id: string;
  exporter_id: string;
  recipient_id: string;
  created_at: string;
  /** The `egress` ledger record as JSON: counts and terms, never a value. */
  record: string;
}

/** Positions of background followers (e.g. the last KMS audit sequence anchored). */
export interface CursorsTable {
  name: string;
  value: number;
}

/** Every table of the gateway database; features keep their own tables' row types beside their code. */
export interface GatewaySchema extends ComputeTables, DisclosureTables, ComplianceTables {
  parties: PartiesTable;
  tokens: TokensTable;
  datasets: DatasetsTable;
  dataset_uploads: DatasetUploadsTable;
  dataset_chunks: DatasetChunksTable;
  contracts: ContractsTable;
  transfers: TransfersTable;
  transfer_package_parts: TransferPackagePartsTable;
  transfer_jobs: TransferJobsTable;
  package_key_epochs: PackageKeyEpochsTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox: OutboxTable;
  cursors: CursorsTable;
  egress_calls: EgressCallsTable;
}
