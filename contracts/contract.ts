import { Contract, type Context } from 'fabric-contract-api';
import { canonicalize } from '../crypto/index.ts';
import {
  RecordRejected,
  decodeStoredRecord,
  encodeStoredRecord,
  parseRecord,
  recordStateKey,
  type RecordEvent,
  type RecordPage,
  type StoredRecord,
} from '../ledger/format/index.ts';

export const CONTRACT_NAME = 'sluice';

const BY_CONTRACT = 'sluice.by-contract';
const BY_EXPORTER = 'sluice.by-exporter';
const MAX_PAGE_SIZE = 500;

/**
 * Sluice's on-chain log. Written without decorators: fabric-contract-api then infers every
 * public method as a transaction taking string arguments, which is all the ledger needs and
 * works under tsx, whose transform does not emit decorator metadata. Helpers live outside the
 * class because every method on it would become a callable transaction.
 */
export class SluiceContract extends Contract {
  constructor() {
    super(CONTRACT_NAME);
  }

  /**
   * Anchors a record and returns the stored form. The same record again is a no-op returning the
   * original (with the transaction that first wrote it); a different record under a taken id is
   * rejected, so an id names one record forever.
   */
  async Append(ctx: Context, recordJson: string): Promise<string> {
    const record = parseRecord(parseJson(recordJson));
    const existing = await readStored(ctx, record.id);
    if (existing) {
      if (canonicalize(existing.record) !== canonicalize(record)) {
        throw new RecordRejected('conflict', 'a different record is already anchored under this id');
      }
      return encodeStoredRecord(existing);
    }
    const stored: StoredRecord = { record, txId: ctx.stub.getTxID() };
    const encoded = encodeStoredRecord(stored);
    await ctx.stub.putState(recordStateKey(record.id), Buffer.from(encoded));
    // Index entries only need to exist; Fabric treats an empty value as a delete.
    const marker = Buffer.from(record.id);
    if (record.contractId !== undefined) {
      await ctx.stub.putState(ctx.stub.createCompositeKey(BY_CONTRACT, [record.contractId, record.id]), marker);
    }
    if (record.exporterId !== undefined) {
      await ctx.stub.putState(ctx.stub.createCompositeKey(BY_EXPORTER, [record.exporterId, record.id]), marker);
    }
    ctx.stub.setEvent(record.type, Buffer.from(eventPayload(stored)));
    return encoded;
  }

  /** The stored record, or an empty response when the id is unknown. */
  async Get(ctx: Context, id: string): Promise<string> {
    const stored = await readStored(ctx, id);
    return stored ? encodeStoredRecord(stored) : '';
  }

  async ListByContract(ctx: Context, contractId: string, pageSize: string, bookmark: string): Promise<string> {
    return JSON.stringify(await listIndex(ctx, BY_CONTRACT, contractId, pageSize, bookmark));
  }

  async ListByExporter(ctx: Context, exporterId: string, pageSize: string, bookmark: string): Promise<string> {
    return JSON.stringify(await listIndex(ctx, BY_EXPORTER, exporterId, pageSize, bookmark));
  }
}

function eventPayload({ record, txId }: StoredRecord): string {
  const event: RecordEvent = { id: record.id, type: record.type, txId };
  if (record.contractId !== undefined) event.contractId = record.contractId;
  if (record.exporterId !== undefined) event.exporterId = record.exporterId;
  return canonicalize(event);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RecordRejected('invalid', 'record is not valid JSON');
  }
}

async function readStored(ctx: Context, id: string): Promise<StoredRecord | undefined> {
  if (typeof id !== 'string' || id.length === 0 || id.includes('\u0000')) {
    throw new RecordRejected('invalid', 'id must be a non-empty string');
  }
  const bytes = await ctx.stub.getState(recordStateKey(id));
  if (!bytes || bytes.length === 0) return undefined;
  return decodeStoredRecord(Buffer.from(bytes).toString('utf8'));
}

async function listIndex(ctx: Context, index: string, value: string, pageSize: string, bookmark: string): Promise<RecordPage> {
  const size = Number(pageSize);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new RecordRejected('invalid', `page size must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(index, [value], size, bookmark);
  const ids: string[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const id = ctx.stub.splitCompositeKey(next.value.key).attributes[1];
      if (id !== undefined) ids.push(id);
    }
  } finally {
    await iterator.close();
  }
  const records: StoredRecord[] = [];
  for (const id of ids) {
    const stored = await readStored(ctx, id);
    if (stored) records.push(stored);
  }
  return { records, bookmark: metadata.bookmark ?? '' };
}
