import type { Kysely } from 'kysely';
import { camelCased, isSluiceError, type ErrorCode, type Logger } from '../common/index.ts';
import { canonicalize, sm3Hex } from '../crypto/index.ts';
import type { Mutex } from './mutex.ts';
import type { KmsSchema } from './schema.ts';
import type { AuditEvent, AuditOperation, AuditPage, Caller, EncryptionContext } from './types.ts';

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_PAGE_LIMIT = 1000;

export interface AuditEntry {
  caller: Caller;
  operation: AuditOperation;
  keyId?: string | null;
  version?: number | null;
  context?: EncryptionContext | null;
  outcome: 'ok' | 'error';
  code?: ErrorCode | null;
}

/** Contexts are recorded only as a digest: they name datasets and parties, and the log is exported. */
export function contextDigest(context: EncryptionContext): string {
  return sm3Hex(canonicalize(context));
}

export function eventHash(event: Omit<AuditEvent, 'hash'>): string {
  return sm3Hex(canonicalize(event));
}

/**
 * Appends one event after the current head. Callers hold the store mutex and pass the
 * transaction of the change being audited, so a change and its event commit together.
 */
export async function appendAudit(trx: Kysely<KmsSchema>, entry: AuditEntry): Promise<AuditEvent> {
  const head = await trx.selectFrom('kms_audit').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const body: Omit<AuditEvent, 'hash'> = {
    seq: head ? Number(head.seq) + 1 : 1,
    time: new Date().toISOString(),
    caller: entry.caller,
    operation: entry.operation,
    keyId: entry.keyId ?? null,
    version: entry.version ?? null,
    contextDigest: entry.context ? contextDigest(entry.context) : null,
    outcome: entry.outcome,
    code: entry.code ?? null,
    prevHash: head ? head.hash : GENESIS_HASH,
  };
  const event: AuditEvent = { ...body, hash: eventHash(body) };
  await camelCased(trx).insertInto('kmsAudit').values(event).execute();
  return event;
}

export interface AuditedStore {
  db: Kysely<KmsSchema>;
  mutex: Mutex;
  logger: Logger;
}

/** What an audited operation learns while running and wants recorded (e.g. the key version used). */
export interface AuditNote {
  version: number | null;
}

/**
 * Runs `work` under the store mutex in one transaction that also appends its `ok` event, so
 * nothing succeeds unaudited. On failure the transaction rolls back and an `error` event with
 * the SURFACE code is appended on its own.
 */
export function audited<T>(
  store: AuditedStore,
  entry: Omit<AuditEntry, 'outcome' | 'version' | 'code'>,
  work: (trx: Kysely<KmsSchema>, note: AuditNote) => Promise<T>,
): Promise<T> {
  return store.mutex.run(async () => {
    const note: AuditNote = { version: null };
    try {
      return await store.db.transaction().execute(async (trx) => {
        const result = await work(trx, note);
        await appendAudit(trx, { ...entry, version: note.version, outcome: 'ok' });
        return result;
      });
    } catch (error) {
      const code: ErrorCode = isSluiceError(error) ? error.code : 'INTERNAL';
      try {
        await store.db.transaction().execute((trx) => appendAudit(trx, { ...entry, version: note.version, outcome: 'error', code }));
      } catch (auditError) {
        store.logger.error({ err: auditError, operation: entry.operation }, 'could not record a failed operation in the audit log');
      }
      throw error;
    }
  });
}

export async function listAudit(db: Kysely<KmsSchema>, after: number, limit: number): Promise<AuditPage> {
  const events = await camelCased(db)
    .selectFrom('kmsAudit')
    .selectAll()
    .where('seq', '>', after)
    .orderBy('seq', 'asc')
    .limit(Math.min(limit, AUDIT_PAGE_LIMIT))
    .execute();
  return { events, next: events.length > 0 ? events[events.length - 1]!.seq : after };
}

/**
 * Checks that consecutive events link by hash and sequence and that each hash matches its
 * event. `prevHash` is the hash of the event before the first (the genesis hash for seq 1).
 */
export function verifyAuditChain(events: AuditEvent[], prevHash: string = GENESIS_HASH): { valid: true } | { valid: false; seq: number; reason: string } {
  let expectedPrev = prevHash;
  let expectedSeq = events[0]?.seq;
  for (const event of events) {
    if (event.seq !== expectedSeq) return { valid: false, seq: event.seq, reason: 'sequence gap' };
    if (event.prevHash !== expectedPrev) return { valid: false, seq: event.seq, reason: 'broken hash link' };
    const { hash, ...body } = event;
    if (eventHash(body) !== hash) return { valid: false, seq: event.seq, reason: 'event altered' };
    expectedPrev = hash;
    expectedSeq = event.seq + 1;
  }
  return { valid: true };
}
