import { canonicalize } from '../crypto/index.ts';
import type { JsonObject, LedgerRecord, LedgerRecordType } from '../ledger/index.ts';

/**
 * The on-chain format shared by the chaincode and every client that reads or verifies it.
 * A record is stored once, canonicalized, next to the id of the transaction that wrote it, so
 * that the endorsed write set alone binds a record to its transaction.
 */
export interface StoredRecord {
  record: LedgerRecord;
  txId: string;
}

/** Chaincode error messages start with one of these so clients can tell rejections from outages. */
export const REJECTION = { invalid: 'sluice:invalid', conflict: 'sluice:conflict' } as const;

export class RecordRejected extends Error {
  constructor(kind: keyof typeof REJECTION, detail: string) {
    super(`${REJECTION[kind]} ${detail}`);
    this.name = 'RecordRejected';
  }
}

const RECORD_TYPES: Record<LedgerRecordType, true> = {
  'contract.approved': true,
  'contract.revoked': true,
  'transfer.receipt': true,
  'key.event': true,
  'audit.event': true,
  'compute.job': true,
  'compute.approval': true,
  'compute.release': true,
  egress: true,
};

export const RECORD_KEY_TYPE = 'sluice.record';

const FIELDS = new Set(['id', 'type', 'timestamp', 'contractId', 'exporterId', 'data']);
/**
 * The embedded ledger's identifier rule, so both ledgers accept the same records; U+10FFFF is
 * also refused because Fabric reserves it in composite keys.
 */
const ID = /^[^\u0000-\u001f\u007f\u{10ffff}]{1,256}$/u;
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
/** Records hold digests and counts, never payloads; anything larger is a caller bug. */
export const MAX_RECORD_BYTES = 64 * 1024;
const MAX_DEPTH = 32;

/** The state key of a record: a Fabric composite key, so it cannot collide with index keys. */
export function recordStateKey(id: string): string {
  return `\u0000${RECORD_KEY_TYPE}\u0000${id}\u0000`;
}

/** RFC 8785 (JCS) form: equal records have equal strings whatever their key order. */
export function canonicalRecord(record: LedgerRecord): string {
  return canonicalize(record);
}

export function encodeStoredRecord(stored: StoredRecord): string {
  return canonicalize({ record: stored.record, txId: stored.txId });
}

export function decodeStoredRecord(text: string): StoredRecord {
  const parsed = JSON.parse(text) as { record?: unknown; txId?: unknown };
  if (typeof parsed.txId !== 'string') throw new RecordRejected('invalid', 'stored record lacks its transaction id');
  return { record: parseRecord(parsed.record), txId: parsed.txId };
}

/** Validates untrusted input into a record; rejects anything the ledger would not keep verbatim. */
export function parseRecord(input: unknown): LedgerRecord {
  if (!isPlainObject(input)) throw new RecordRejected('invalid', 'record must be a JSON object');
  for (const key of Object.keys(input)) {
    if (!FIELDS.has(key)) throw new RecordRejected('invalid', `unknown record field ${JSON.stringify(key)}`);
  }
  const { id, type, timestamp, contractId, exporterId, data } = input;
  if (typeof id !== 'string' || !ID.test(id)) throw new RecordRejected('invalid', 'id must be 1-256 characters without control characters');
  if (typeof type !== 'string' || !Object.hasOwn(RECORD_TYPES, type)) throw new RecordRejected('invalid', 'unknown record type');
  if (typeof timestamp !== 'string' || !UTC_TIMESTAMP.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
    throw new RecordRejected('invalid', 'timestamp must be ISO 8601 UTC');
  }
  for (const [name, value] of [['contractId', contractId], ['exporterId', exporterId]] as const) {
    if (value !== undefined && (typeof value !== 'string' || !ID.test(value))) {
      throw new RecordRejected('invalid', `${name} must be 1-256 characters without control characters`);
    }
  }
  if (!isPlainObject(data)) throw new RecordRejected('invalid', 'data must be a JSON object');
  assertJson(data, 0);
  const record: LedgerRecord = { id, type: type as LedgerRecordType, timestamp, data: data as JsonObject };
  if (contractId !== undefined) record.contractId = contractId as string;
  if (exporterId !== undefined) record.exporterId = exporterId as string;
  let canonical: string;
  try {
    canonical = canonicalRecord(record);
  } catch {
    throw new RecordRejected('invalid', 'data must be well-formed JSON (no lone surrogates)');
  }
  if (Buffer.byteLength(canonical) > MAX_RECORD_BYTES) throw new RecordRejected('invalid', 'record too large');
  return record;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assertJson(value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new RecordRejected('invalid', 'data nested too deeply');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RecordRejected('invalid', 'data numbers must be finite');
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) assertJson(item, depth + 1);
    return;
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) assertJson(item, depth + 1);
    return;
  }
  throw new RecordRejected('invalid', 'data must contain JSON values only');
}
