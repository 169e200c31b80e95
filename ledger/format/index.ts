/**
 * The ledger's formats that cross a process: the record (types, validation, canonical form) and
 * what the chaincode stores and answers. This is the entry the chaincode imports, so it loads
 * nothing but crypto's canonical JSON: no storage, no Fabric client, no contract API.
 */
export {
  MAX_RECORD_BYTES,
  RECORD_TYPES,
  checkRecord,
  isIsoUtc,
  isPlainObject,
  type JsonObject,
  type JsonValue,
  type LedgerRecord,
  type LedgerRecordType,
  type RecordCheck,
} from './record.ts';
export {
  REJECTION,
  RecordRejected,
  decodeStoredRecord,
  encodeStoredRecord,
  parseRecord,
  recordStateKey,
  type RecordEvent,
  type RecordPage,
  type StoredRecord,
} from './chaincode.ts';
