import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from '../../common/index.ts';
import type { AuditEvent } from '../../kms/index.ts';
import type { LedgerRecord } from '../../ledger/index.ts';
import type { GatewaySchema } from '../db/schema.ts';
import { newId } from '../ids.ts';
import { Periodic } from './periodic.ts';

async function enqueueStandalone(db: Kysely<GatewaySchema>, record: LedgerRecord): Promise<void> {
  await db
    .insertInto('outbox')
    .values({ id: record.id, record: JSON.stringify(record), created_at: record.timestamp, anchored_at: null, attempts: 0, last_error: null })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/**
 * Authentication failures, denials and admin actions become `audit.event` ledger records
 * (R-DUTY-RECORDS). They carry the route pattern, status and code — never the URL's values,
 * the body or the token.
 */
export function recordAuditEvents(app: FastifyInstance, db: Kysely<GatewaySchema>, logger: Logger): void {
  app.addHook('onResponse', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    const denied = reply.statusCode === 401 || reply.statusCode === 403;
    const adminAction = request.principal?.role === 'admin' && request.method !== 'GET' && reply.statusCode < 400;
    if (!denied && !adminAction) return;
    const principal = request.principal;
    const record: LedgerRecord = {
      id: newId('rec'),
      type: 'audit.event',
      timestamp: new Date().toISOString(),
      data: {
        event: reply.statusCode === 401 ? 'authentication.failed' : denied ? 'access.denied' : 'admin.action',
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: reply.statusCode,
        actor: principal ? (principal.role === 'admin' ? 'admin' : principal.party.id) : 'anonymous',
      },
    };
    if (principal?.role === 'party') record.exporterId = principal.party.id;
    await enqueueStandalone(db, record).catch((error: unknown) =>
      logger.error({ err: error instanceof Error ? error.message : 'unknown' }, 'could not record audit event'),
    );
  });
}

const KMS_CURSOR = 'kms.audit';

/** Copies the KMS's hash-chained audit events into the outbox as `key.event` records. */
export class KmsAuditFollower {
  private readonly loop: Periodic;

  constructor(
    private readonly db: Kysely<GatewaySchema>,
    private readonly kms: { audit(after: number, limit: number): Promise<{ events: AuditEvent[]; next: number }> },
    logger: Logger,
    intervalMs = 2000,
  ) {
    // An unreachable KMS is expected at times (restarts); the next round catches up.
    this.loop = new Periodic(() => this.follow(), intervalMs, (error) =>
      logger.debug({ err: error instanceof Error ? error.message : 'unknown' }, 'KMS audit not followed this round'),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Follows until the KMS has nothing newer; returns how many events were enqueued. */
  async follow(): Promise<number> {
    let copied = 0;
    for (;;) {
      const cursor = await this.db.selectFrom('cursors').select('value').where('name', '=', KMS_CURSOR).executeTakeFirst();
      const after = cursor?.value ?? 0;
      const page = await this.kms.audit(after, 500);
      if (page.events.length === 0) return copied;
      await this.db.transaction().execute(async (trx) => {
        for (const event of page.events) {
          await trx
            .insertInto('outbox')
            .values({ id: keyEventId(event), record: JSON.stringify(keyEventRecord(event)), created_at: event.time, anchored_at: null, attempts: 0, last_error: null })
            .onConflict((oc) => oc.column('id').doNothing())
            .execute();
        }
        await trx
          .insertInto('cursors')
          .values({ name: KMS_CURSOR, value: page.next })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value: page.next }))
          .execute();
      });
      copied += page.events.length;
    }
  }
}

/** Named by the event's chain hash, so a KMS store that restarts its numbering never collides. */
function keyEventId(event: AuditEvent): string {
  return `kms.${event.hash.slice(0, 32)}`;
}

function keyEventRecord(event: AuditEvent): LedgerRecord {
  return {
    id: keyEventId(event),
    type: 'key.event',
    timestamp: event.time,
    data: {
      seq: event.seq,
      operation: event.operation,
      keyId: event.keyId,
      version: event.version,
      contextDigest: event.contextDigest,
      caller: String(event.caller),
      outcome: event.outcome,
      code: event.code,
      prevHash: event.prevHash,
      hash: event.hash,
    },
  };
}
