import type { Transaction } from 'kysely';
import { SluiceError, type Logger } from '../../common/index.ts';
import { randomBytes } from '../../crypto/index.ts';
import { Periodic } from '../anchoring/periodic.ts';
import type { GatewayContext } from '../context.ts';
import type { GatewaySchema, TransferJobsTable } from '../db/schema.ts';
import { getParty } from '../parties/service.ts';
import { sweepPackages } from './lifecycle.ts';
import { prepareTransfer, type PreparedTransfer } from './prepare.ts';
import { discardPackage, producePackage } from './produce.ts';
import { completeTransfer } from './complete.ts';

/** A lease not renewed for this long is abandoned (its gateway died) and another takes the job. */
const LEASE_MS = 10_000;
const RENEW_MS = 1_000;
const SCAN_MS = 2_000;
/** Package sweeps run every this many scans (a minute). */
const SWEEP_EVERY = 30;
/** Attempts after which a job that keeps being abandoned is failed instead of started again. */
const MAX_ATTEMPTS = 3;

type Job = TransferJobsTable;

/**
 * Background transfers (202), durable in the gateway database so any gateway on the same
 * database can carry them on. A job belongs to whoever holds its lease; the holder renews it
 * (with the progress) every second. A gateway that dies leaves an expiring lease: another gateway
 * (or this one after a restart) claims the job, discards the half-made package and produces it
 * again from the same planned records. The package is released, and the export counted, only
 * in the completing transaction, which also checks the lease — so a job is released (and
 * counted) once, whoever finishes it, and a failed job is never counted.
 */
export class TransferRunner {
  /** This process's name on leases. */
  readonly owner = `gw_${Buffer.from(randomBytes(8)).toString('hex')}`;
  readonly #running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  readonly #loop: Periodic;
  #scans = 0;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly logger: Logger,
  ) {
    this.#loop = new Periodic(() => this.#tick(), SCAN_MS, (error) => this.logger.warn({ code: error instanceof SluiceError ? error.code : 'unknown' }, 'transfer scan failed'));
  }

  start(): void {
    this.#loop.start();
  }

  /** Stops taking jobs and gives up the ones in hand, so another gateway (or the next start) carries them on at once. */
  async stop(): Promise<void> {
    await this.#loop.stop();
    for (const { abort } of this.#running.values()) abort.abort();
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /** Records an accepted transfer (in the caller's transaction, with `within`) and starts it here. */
  async accept(t: PreparedTransfer, within: (trx: Transaction<GatewaySchema>) => Promise<unknown>): Promise<void> {
    const now = this.ctx.now().toISOString();
    await this.ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('transfer_jobs')
        .values({
          id: t.transferId,
          contract_id: t.contract.id,
          recipient_id: t.recipient.id,
          purpose: t.purpose,
          records: t.plan.records,
          done: 0,
          status: 'running',
          error_code: null,
          error_message: null,
          attempts: 1,
          lease_owner: this.owner,
          lease_until: this.#leaseEnd(),
          created_at: now,
          updated_at: now,
        })
        .execute();
      await within(trx);
    });
    this.#launch(t.transferId, t);
  }

  async #tick(): Promise<void> {
    if (this.#scans++ % SWEEP_EVERY === 0) await sweepPackages(this.ctx);
    const abandoned = await this.ctx.db
      .selectFrom('transfer_jobs')
      .selectAll()
      .where('status', '=', 'running')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', this.ctx.now().toISOString())]))
      .execute();
    for (const job of abandoned) if (await this.#claim(job)) this.#launch(job.id);
  }

  /** Takes an abandoned job's lease; only one claimant's conditional update succeeds. */
  async #claim(job: Job): Promise<boolean> {
    const claimed = await this.ctx.db
      .updateTable('transfer_jobs')
      .set({ lease_owner: this.owner, lease_until: this.#leaseEnd(), attempts: job.attempts + 1, done: 0, updated_at: this.ctx.now().toISOString() })
      .where('id', '=', job.id)
      .where('status', '=', 'running')
      .where('attempts', '=', job.attempts)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return false;
    this.logger.warn({ transferId: job.id, attempt: job.attempts + 1 }, 'resuming an abandoned transfer');
    return true;
  }

  #launch(id: string, prepared?: PreparedTransfer): void {
    const abort = new AbortController();
    const done = this.#run(id, prepared, abort).finally(() => this.#running.delete(id));
    this.#running.set(id, { abort, done });
  }

  /**
   * One attempt: produce, then complete under the lease. `stop` aborts it between chunks, when
   * this gateway stops (the job is given back) or when the lease was lost (the job is someone
   * else's now; this attempt only cleans up after itself).
   */
  async #run(id: string, prepared: PreparedTransfer | undefined, stop: AbortController): Promise<void> {
    let done = 0;
    let lost = false;
    const renew = setInterval(() => {
      void this.#renew(id, done).then((held) => {
        if (held) return;
        lost = true;
        stop.abort();
      });
    }, RENEW_MS);
    try {
      const job = await this.ctx.db.selectFrom('transfer_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      // What earlier attempts wrote goes first; none of it was released.
      if (job.attempts > 1) await discardPackage(this.ctx, id, { below: job.attempts });
      if (job.attempts > MAX_ATTEMPTS) throw new SluiceError('INTERNAL', `transfer abandoned ${MAX_ATTEMPTS} times; not started again`);
      const t = prepared ?? (await this.#prepareAgain(job));
      const produced = await producePackage(this.ctx, t, {
        signal: stop.signal,
        onProgress: (n) => (done = n),
      });
      await completeTransfer(this.ctx, t, produced, async (trx) => {
        const marked = await trx
          .updateTable('transfer_jobs')
          .set({ status: 'completed', done: t.plan.records, updated_at: this.ctx.now().toISOString() })
          .where('id', '=', id)
          .where('status', '=', 'running')
          .where('lease_owner', '=', this.owner)
          .executeTakeFirst();
        if (Number(marked.numUpdatedRows) !== 1) throw new SluiceError('CONFLICT', 'the transfer lease was lost');
      });
      this.logger.info({ transferId: id, records: t.plan.records }, 'transfer completed');
    } catch (error) {
      if (lost) this.logger.warn({ transferId: id }, 'transfer lease lost; another gateway carries it on');
      else if (stop.signal.aborted) await this.#release(id);
      else await this.#fail(id, error);
    } finally {
      clearInterval(renew);
    }
  }

  /** A resumed job passes every gate again: a contract revoked or a filing withdrawn meanwhile fails it. */
  async #prepareAgain(job: Job): Promise<PreparedTransfer> {
    const recipient = await getParty(this.ctx, job.recipient_id);
    return prepareTransfer(this.ctx, recipient, { contractId: job.contract_id, purpose: job.purpose, limit: Math.max(1, job.records) }, job.id, job.attempts);
  }

  async #renew(id: string, done: number): Promise<boolean> {
    try {
      const renewed = await this.ctx.db
        .updateTable('transfer_jobs')
        .set({ lease_until: this.#leaseEnd(), done, updated_at: this.ctx.now().toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('lease_owner', '=', this.owner)
        .executeTakeFirst();
      return Number(renewed.numUpdatedRows) === 1;
    } catch {
      // A database hiccup is not a lost lease; the next renewal tries again.
      return true;
    }
  }

  /** Gives a job back for another attempt now (this gateway is stopping). */
  async #release(id: string): Promise<void> {
    await this.ctx.db
      .updateTable('transfer_jobs')
      .set({ lease_owner: null, lease_until: null, done: 0, updated_at: this.ctx.now().toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('lease_owner', '=', this.owner)
      .execute();
  }

  async #fail(id: string, error: unknown): Promise<void> {
    const known = error instanceof SluiceError && error.code !== 'INTERNAL';
    const code = error instanceof SluiceError ? error.code : 'INTERNAL';
    if (!known) this.logger.error({ transferId: id, code, err: { type: (error as Error)?.name } }, 'background transfer failed');
    else this.logger.info({ transferId: id, code }, 'background transfer refused');
    await this.ctx.db
      .updateTable('transfer_jobs')
      .set({
        status: 'failed',
        error_code: code,
        // Our messages never hold values; anything else is reported generically.
        error_message: error instanceof SluiceError ? error.message : 'internal error',
        lease_owner: null,
        lease_until: null,
        updated_at: this.ctx.now().toISOString(),
      })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('lease_owner', '=', this.owner)
      .execute();
  }

  #leaseEnd(): string {
    return new Date(this.ctx.now().getTime() + LEASE_MS).toISOString();
  }
}
