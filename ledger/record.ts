import { fail, SluiceError } from '../common/errors.ts';
import { canonicalize } from '../crypto/index.ts';
import type { LedgerRecord, LedgerRecordType } from './types.ts';

export const RECORD_TYPES: readonly LedgerRecordType[] = [
  'contract.approved',
  'contract.revoked',
  'transfer.receipt',
  'key.event',
  'audit.event',
  'compute.job',
  'compute.approval',
  'compute.release',
  'egress',
];

/** Records carry digests and counts; anything bigger is a misuse of the ledger. */
export const MAX_RECORD_BYTES = 64 * 1024;
const MAX_ID_LENGTH = 256;
const MAX_DEPTH = 32;
const RECORD_KEYS = new Set(['id', 'type', 'timestamp', 'contractId', 'exporterId', 'data']);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
// TextEncoder rather than Buffer: the console bundles this verifier for the browser.
const utf8 = new TextEncoder();

/**
 * What is wrong with a would-be record, or undefined when it is a well-formed LedgerRecord.
 * Messages name fields only: they end up in errors and verification reasons, which must not
 * carry record values.
 */
function recordProblem(value: unknown): string | undefined {
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

/**
 * Checks a record and returns its RFC 8785 form, whose UTF-8 bytes are the Merkle leaf data.
 * Throws VALIDATION_FAILED for a malformed record, PAYLOAD_TOO_LARGE past MAX_RECORD_BYTES.
 */
export function canonicalRecord(value: unknown): string {
  const problem = recordProblem(value);
  if (problem) throw fail.validation(problem);
  const json = canonicalize(value as LedgerRecord);
  if (utf8.encode(json).length > MAX_RECORD_BYTES) {
    throw new SluiceError('PAYLOAD_TOO_LARGE', `a ledger record may hold at most ${MAX_RECORD_BYTES} bytes of canonical JSON`);
  }
  return json;
}

export function isIsoUtc(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_UTC.test(value)) return false;
  const time = Date.parse(value);
  // Date.parse rolls 2024-02-30 over to March; the round trip catches impossible dates.
  return Number.isFinite(time) && new Date(time).toISOString().slice(0, 19) === value.slice(0, 19);
}

function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH && !CONTROL.test(value);
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
