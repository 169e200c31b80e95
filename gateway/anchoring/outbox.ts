import type { Kysely, Transaction } from 'kysely';
import type { Dialect, Logger } from '../../common/index.ts';
import type { Ledger, LedgerRecord, Proof } from '../../ledger/index.ts';
import type { GatewaySchema } from '../db/schema.ts';
import { Periodic } from './periodic.ts';

/**
 * Records enter the outbox in the same database transaction as the fact they describe; the
 * relay anchors them on the ledger afterwards and retries until the ledger accepts. Because
 * the ledger is idempotent by record id, a crash between anchoring and marking the row
 * anchors nothing twice.
 */
export async function enqueue(trx: Transaction<GatewaySchema>, record: LedgerRecord): Promise<void> {
  await trx
    .insertInto('outbox')
    .values({ id: record.id, record: JSON.stringify(record), created_at: record.timestamp, anchored_at: null, attempts: 0, last_error: null })
    .execute();
}

export type AnchorResult = {
  recordId: string;
  anchored: boolean;
  proof?: Proof;
};

/** Records anchored per drain round: one block of the embedded ledger, or a few Fabric submissions. */
const PAGE = { embedded: 500, fabric: 20 };

export class OutboxRelay {
  private readonly loop: Periodic;

  constructor(
    private readonly db: Kysely<GatewaySchema>,
    private readonly dialect: Dialect,
    private readonly ledger: Ledger,
    private readonly logger: Logger,
    retryMs = 2000,
  ) {
    this.loop = new Periodic(() => this.drain(), retryMs, (error) => this.logger.warn({ err: describe(error) }, 'outbox drain failed'));
  }

  /**
   * Anchors one record now when the ledger commits immediately (embedded); a ledger that
   * commits through consensus (Fabric) is fed by the background loop instead, so no request
   * waits on a peer. Either way a failure leaves the record to the loop.
   */
  async anchor(recordId: string): Promise<AnchorResult> {
    if (this.ledger.kind !== 'embedded') {
      this.loop.kick();
      return { recordId, anchored: false };
    }
    return this.anchorNow(recordId);
  }

  private async anchorNow(recordId: string): Promise<AnchorResult> {
    const row = await this.db.selectFrom('outbox').selectAll().where('id', '=', recordId).executeTakeFirst();
    if (!row) return { recordId, anchored: false };
    try {
      const proof = await this.ledger.append(JSON.parse(row.record) as LedgerRecord);
      if (row.anchored_at === null) {
        await this.db.updateTable('outbox').set({ anchored_at: new Date().toISOString(), last_error: null }).where('id', '=', recordId).execute();
      }
      return { recordId, anchored: true, proof };
    } catch (error) {
      await this.noteFailure(recordId, error);
      return { recordId, anchored: false };
    }
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * Anchors every pending record in creation order, a page at a time; stops at the first failure
   * to keep order. With PostgreSQL each gateway claims its page with `FOR UPDATE SKIP LOCKED`,
   * so gateways draining one outbox never submit a record twice (and the ledger's idempotency by
   * record id covers a page whose gateway died after anchoring it).
   */
  async drain(): Promise<number> {
    let anchored = 0;
    for (;;) {
      const page = this.dialect === 'postgres' ? await this.db.transaction().execute((trx) => this.drainPage(trx, true)) : await this.drainPage(this.db, false);
      anchored += page.anchored;
      if (page.done) return anchored;
    }
  }

  private async drainPage(db: Kysely<GatewaySchema>, claim: boolean): Promise<{ anchored: number; done: boolean }> {
    let pending = db.selectFrom('outbox').select(['id', 'record']).where('anchored_at', 'is', null).orderBy('created_at').orderBy('id').limit(PAGE[this.ledger.kind]);
    if (claim) pending = pending.forUpdate().skipLocked();
    const rows = await pending.execute();
    if (rows.length === 0) return { anchored: 0, done: true };
    const anchored: string[] = [];
    let failure: { id: string; error: unknown } | undefined;
    if (this.ledger.kind === 'embedded') {
      // Appended together, the page becomes one block, in creation order.
      const results = await Promise.allSettled(rows.map((row) => this.ledger.append(JSON.parse(row.record) as LedgerRecord)));
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') anchored.push(rows[i]!.id);
        else failure ??= { id: rows[i]!.id, error: result.reason };
      });
    } else {
      for (const row of rows) {
        try {
          await this.ledger.append(JSON.parse(row.record) as LedgerRecord);
          anchored.push(row.id);
        } catch (error) {
          failure = { id: row.id, error };
          break;
        }
      }
    }
    if (anchored.length > 0) await db.updateTable('outbox').set({ anchored_at: new Date().toISOString(), last_error: null }).where('id', 'in', anchored).execute();
    if (failure) await this.noteFailure(failure.id, failure.error, db);
    return { anchored: anchored.length, done: failure !== undefined };
  }

  async pendingCount(): Promise<number> {
    const row = await this.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('anchored_at', 'is', null).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async noteFailure(recordId: string, error: unknown, db: Kysely<GatewaySchema> = this.db): Promise<void> {
    this.logger.warn({ recordId, err: describe(error) }, 'ledger anchoring failed; will retry');
    await db
      .updateTable('outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: describe(error).slice(0, 500) }))
      .where('id', '=', recordId)
      .execute();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
