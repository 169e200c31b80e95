import { canonicalize } from '../../crypto/index.ts';
import { checkRecord, type LedgerRecord } from './record.ts';

/**
 * What the chaincode stores and answers, as its clients read it. A record is stored once,
 * canonicalized, next to the id of the transaction that wrote it, so that the endorsed write set
 * alone binds a record to its transaction.
 */
export interface StoredRecord {
  record: LedgerRecord;
  txId: string;
}

/** A page of records from an index, with the bookmark of the next (empty when there is none). */
export interface RecordPage {
  records: StoredRecord[];
  bookmark: string;
}

/** What listeners learn from a chaincode event: identifiers only, the record stays on the ledger. */
export interface RecordEvent {
  id: string;
  type: LedgerRecord['type'];
  txId: string;
  contractId?: string;
  exporterId?: string;
}

/** Chaincode error messages start with one of these so clients can tell rejections from outages. */
export const REJECTION = { invalid: 'sluice:invalid', conflict: 'sluice:conflict' } as const;

export class RecordRejected extends Error {
  constructor(kind: keyof typeof REJECTION, detail: string) {
    super(`${REJECTION[kind]} ${detail}`);
    this.name = 'RecordRejected';
  }
}

const RECORD_KEY_TYPE = 'sluice.record';

/** The state key of a record: a Fabric composite key, so it cannot collide with index keys. */
export function recordStateKey(id: string): string {
  return `\u0000${RECORD_KEY_TYPE}\u0000${id}\u0000`;
}

/** Validates untrusted input into a record; rejects anything the ledger would not keep verbatim. */
export function parseRecord(input: unknown): LedgerRecord {
  const check = checkRecord(input);
  if (check.problem !== undefined) throw new RecordRejected('invalid', check.problem);
  return check.record;
}

export function encodeStoredRecord(stored: StoredRecord): string {
  return canonicalize({ record: stored.record, txId: stored.txId });
}

export function decodeStoredRecord(text: string): StoredRecord {
  const parsed = JSON.parse(text) as { record?: unknown; txId?: unknown };
  if (typeof parsed.txId !== 'string') throw new RecordRejected('invalid', 'stored record lacks its transaction id');
  return { record: parseRecord(parsed.record), txId: parsed.txId };
}
