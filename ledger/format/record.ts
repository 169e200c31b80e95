import { canonicalize } from '../../crypto/index.ts';

/**
 * The ledger record: what the gateway anchors, the embedded ledger and the chaincode keep, and a
 * verifier checks. Records carry digests, counts and identifiers only — never personal values —
 * so that anything on the ledger may be shown to a regulator or a co-signing organization.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Every record type; a new type is one line here. */
export const RECORD_TYPES = [
  'contract.approved',
  'contract.revoked',
  'transfer.receipt',
  'key.event',
  'audit.event',
  'compute.job',
  'compute.approval',
  'compute.release',
  'compute.privacy',
  'egress',
] as const;

export type LedgerRecordType = (typeof RECORD_TYPES)[number];

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

/** Records carry digests and counts; anything bigger is a misuse of the ledger. */
export const MAX_RECORD_BYTES = 64 * 1024;
const MAX_ID_LENGTH = 256;
const MAX_DEPTH = 32;
const RECORD_KEYS = new Set(['id', 'type', 'timestamp', 'contractId', 'exporterId', 'data']);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
/** Control characters, and U+10FFFF, which Fabric reserves in composite keys. */
const NOT_IN_ID = /[\u0000-\u001f\u007f]|\u{10ffff}/u;

/**
 * A checked record: a copy holding only the record fields, and its RFC 8785 form, whose UTF-8
 * bytes are what the ledger hashes and stores. Or why the value is not a record: messages name
 * fields only, since they end up in errors and verification reasons, which must not carry record
 * values.
 */
export type RecordCheck =
  | { problem?: undefined; record: LedgerRecord; canonical: string }
  | { problem: string; tooLarge: boolean };

export function checkRecord(value: unknown): RecordCheck {
  const problem = shapeProblem(value);
  if (problem) return { problem, tooLarge: false };
  const { id, type, timestamp, contractId, exporterId, data } = value as unknown as LedgerRecord;
  const record: LedgerRecord = { id, type, timestamp, data };
  if (contractId !== undefined) record.contractId = contractId;
  if (exporterId !== undefined) record.exporterId = exporterId;
  let canonical: string;
  try {
    canonical = canonicalize(record);
  } catch {
    return { problem: 'record must be well-formed JSON (no lone surrogates)', tooLarge: false };
  }
  if (new TextEncoder().encode(canonical).length > MAX_RECORD_BYTES) {
    return { problem: `a ledger record may hold at most ${MAX_RECORD_BYTES} bytes of canonical JSON`, tooLarge: true };
  }
  return { record, canonical };
}

function shapeProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'record must be a JSON object';
  for (const key of Object.keys(value)) if (!RECORD_KEYS.has(key)) return 'record has an unknown field';
  if (!isIdentifier(value.id)) return `record.id must be a string of 1-${MAX_ID_LENGTH} characters without control characters`;
  if (!RECORD_TYPES.includes(value.type as LedgerRecordType)) return 'record.type is not a ledger record type';
  if (!isIsoUtc(value.timestamp)) return 'record.timestamp must be an ISO 8601 UTC timestamp';
  for (const key of ['contractId', 'exporterId'] as const) {
    if (value[key] !== undefined && !isIdentifier(value[key])) return `record.${key} must be a string of 1-${MAX_ID_LENGTH} characters`;
  }
  if (!isPlainObject(value.data)) return 'record.data must be a JSON object';
  if (!isJson(value.data, 0)) return 'record.data must contain only JSON values (finite numbers, well-formed strings)';
  return undefined;
}

/** `YYYY-MM-DDTHH:MM:SS[.fraction]Z` naming a real instant. */
export function isIsoUtc(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_UTC.test(value)) return false;
  const time = Date.parse(value);
  // Date.parse rolls 2024-02-30 over to March; the round trip catches impossible dates.
  return Number.isFinite(time) && new Date(time).toISOString().slice(0, 19) === value.slice(0, 19);
}

function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH && !NOT_IN_ID.test(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isJson(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
      return isPlainObject(value) && Object.values(value).every((item) => isJson(item, depth + 1));
    default:
      return false;
  }
}
