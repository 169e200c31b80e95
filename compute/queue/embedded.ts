import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { migrate, type Database, type VersionedMigration } from '../../common/index.ts';
import { failureReason, isPermanent } from './failure.ts';
import type { JobHandler, JobInfo, JobOptions, JobQueue, JobStatus } from './types.ts';

interface JobRow {
  queue: string;
  id: string;
  payload: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  run_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  progress: number;
  result: string | null;
  error: string | null;
  created_at: number;
}

interface EventRow {
  seq: number;
  queue: string;
  job_id: string;
  kind: 'progress' | 'completed' | 'failed';
  data: string;
}

export interface QueueSchema {
  compute_queue_jobs: JobRow;
  compute_queue_events: EventRow;
}

const migrations: Record<string, VersionedMigration> = {
  '0001_queue': () => ({
    up: async (db) => {
      await db.schema
        .createTable('compute_queue_jobs')
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('backoff_ms', 'integer', (c) => c.notNull())
        .addColumn('run_at', 'integer', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'integer')
        .addColumn('progress', 'real', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('compute_queue_jobs_pk', ['queue', 'id'])
        .execute();
      await db.schema.createIndex('compute_queue_jobs_claim').on('compute_queue_jobs').columns(['queue', 'status', 'run_at']).execute();
      await db.schema
        .createTable('compute_queue_events')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
    },
  }),
};

const EVENTS_KEPT = 100_000;

export interface EmbeddedQueueOptions {
  /** Several queues may share one database. */
  name: string;
  /** A running job's lease; a worker that stops renewing it (killed) loses the job after this. */
  leaseMs?: number;
  /**
   * How often idle workers look for jobs and listeners look for events. Processes share only
   * the database, so this is the latency of a hand-over between them; 50 ms costs an indexed
   * query twenty times a second per process (~0.1 % of a core).
   */
  pollMs?: number;
  /** Close the database with the queue. */
  ownsDatabase?: boolean;
}

type Listeners<R> = {
  progress: ((jobId: string, progress: number) => void)[];
  completed: ((jobId: string, result: R) => void)[];
  failed: ((jobId: string, error: string) => void)[];
};

/**
 * The queue without Redis: a SQLite table (through common/db) shared by every process on the
 * data dir. Workers lease jobs and renew the lease while they run; an expired lease makes the
 * job claimable again, which is how a killed worker's job is re-run. State changes append to
 * an event table that listeners in any process tail.
 */
export class EmbeddedJobQueue<P, R> implements JobQueue<P, R> {
  private readonly name: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly ownsDatabase: boolean;
  private readonly owner = randomUUID();
  private readonly listeners: Listeners<R> = { progress: [], completed: [], failed: [] };
  private readonly loops: Promise<void>[] = [];
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  private eventTimer: NodeJS.Timeout | undefined;
  private lastSeq = 0;

  private constructor(
    private readonly database: Database<QueueSchema>,
    options: EmbeddedQueueOptions,
  ) {
    this.name = options.name;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 50;
    this.ownsDatabase = options.ownsDatabase ?? false;
  }

  static async open<P, R>(database: Database<QueueSchema>, options: EmbeddedQueueOptions): Promise<EmbeddedJobQueue<P, R>> {
    await migrate(database.db, database.dialect, migrations, 'compute_queue');
    const queue = new EmbeddedJobQueue<P, R>(database, options);
    // Listeners hear about what happens after the queue is opened, as with BullMQ's QueueEvents.
    const last = await database.db.selectFrom('compute_queue_events').select((e) => e.fn.max('seq').as('seq')).executeTakeFirst();
    queue.lastSeq = Number(last?.seq ?? 0);
    return queue;
  }

  async add(jobId: string, payload: P, options: JobOptions = {}): Promise<void> {
    await this.database.db
      .insertInto('compute_queue_jobs')
      .values({
        queue: this.name,
        id: jobId,
        payload: JSON.stringify(payload),
        status: 'waiting',
        attempts: 0,
        max_attempts: options.attempts ?? 3,
        backoff_ms: options.backoffMs ?? 1000,
        run_at: Date.now(),
        lease_owner: null,
        lease_until: null,
        progress: 0,
        result: null,
        error: null,
        created_at: Date.now(),
      })
      .onConflict((c) => c.columns(['queue', 'id']).doNothing())
      .execute();
    this.wakeAll();
  }

  async get(jobId: string): Promise<JobInfo<R> | undefined> {
    const row = await this.database.db
      .selectFrom('compute_queue_jobs')
      .selectAll()
      .where('queue', '=', this.name)
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!row) return undefined;
    const info: JobInfo<R> = { id: row.id, status: row.status, progress: row.progress, attempts: row.attempts };
    if (row.result !== null) info.result = JSON.parse(row.result) as R;
    if (row.error !== null) info.error = row.error;
    return info;
  }

  process(handler: JobHandler<P, R>, options: { concurrency: number }): void {
    for (let i = 0; i < options.concurrency; i++) this.loops.push(this.loop(handler));
  }

  onProgress(listener: (jobId: string, progress: number) => void): void {
    this.listeners.progress.push(listener);
    this.watchEvents();
  }

  onCompleted(listener: (jobId: string, result: R) => void): void {
    this.listeners.completed.push(listener);
    this.watchEvents();
  }

  onFailed(listener: (jobId: string, error: string) => void): void {
    this.listeners.failed.push(listener);
    this.watchEvents();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    if (this.eventTimer) clearTimeout(this.eventTimer);
    await Promise.all(this.loops);
    if (this.ownsDatabase) await this.database.close();
  }

  private async loop(handler: JobHandler<P, R>): Promise<void> {
    while (!this.closed) {
      let job: JobRow | undefined;
      try {
        job = await this.claim();
        if (job) await this.run(job, handler);
      } catch {
        // The database was busy or briefly unavailable: the lease logic makes a retry safe.
        job = undefined;
      }
      if (!job) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.pollMs);
      this.sleepers.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** Takes the oldest runnable job, or one whose worker stopped renewing its lease. */
  private async claim(): Promise<JobRow | undefined> {
    const now = Date.now();
    const claimed = await sql<JobRow>`
      UPDATE compute_queue_jobs
      SET status = 'active', attempts = attempts + 1, lease_owner = ${this.owner}, lease_until = ${now + this.leaseMs}
      WHERE queue = ${this.name} AND id = (
        SELECT id FROM compute_queue_jobs
        WHERE queue = ${this.name}
          AND ((status = 'waiting' AND run_at <= ${now}) OR (status = 'active' AND lease_until < ${now}))
        ORDER BY created_at LIMIT 1)
      RETURNING *`.execute(this.database.db);
    const row = claimed.rows[0];
    if (!row) return undefined;
    if (row.attempts > row.max_attempts) {
      await this.finish(row, { status: 'failed', error: 'INTERNAL: worker lost too often' }, 'failed', 'INTERNAL: worker lost too often');
      return undefined;
    }
    return row;
  }

  private async run(row: JobRow, handler: JobHandler<P, R>): Promise<void> {
    const heartbeat = setInterval(() => void this.renew(row.id).catch(() => undefined), Math.max(50, this.leaseMs / 3));
    try {
      const result = await handler({
        id: row.id,
        payload: JSON.parse(row.payload) as P,
        attempt: row.attempts,
        progress: (fraction) => this.progress(row.id, fraction),
      });
      await this.finish(row, { status: 'completed', result: JSON.stringify(result ?? null), progress: 1 }, 'completed', result ?? null);
    } catch (error) {
      const reason = failureReason(error);
      const retry = !isPermanent(error) && row.attempts < row.max_attempts;
      if (retry) {
        const delay = row.backoff_ms * 2 ** (row.attempts - 1);
        await this.finish(row, { status: 'waiting', error: reason, run_at: Date.now() + delay }, undefined, undefined);
      } else {
        await this.finish(row, { status: 'failed', error: reason }, 'failed', reason);
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async renew(jobId: string): Promise<void> {
    await this.database.db
      .updateTable('compute_queue_jobs')
      .set({ lease_until: Date.now() + this.leaseMs })
      .where('queue', '=', this.name)
      .where('id', '=', jobId)
      .where('lease_owner', '=', this.owner)
      .where('status', '=', 'active')
      .execute();
  }

  private async progress(jobId: string, fraction: number): Promise<void> {
    const value = Math.min(1, Math.max(0, fraction));
    await this.database.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('compute_queue_jobs')
        .set({ progress: value })
        .where('queue', '=', this.name)
        .where('id', '=', jobId)
        .where('lease_owner', '=', this.owner)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) {
        await trx.insertInto('compute_queue_events').values({ queue: this.name, job_id: jobId, kind: 'progress', data: JSON.stringify(value) } as EventRow).execute();
      }
    });
  }

  /** Applies a terminal (or retry) transition only if this worker still holds the lease. */
  private async finish(row: JobRow, change: Partial<JobRow>, kind: EventRow['kind'] | undefined, data: unknown): Promise<void> {
    await this.database.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('compute_queue_jobs')
        .set({ ...change, lease_owner: null, lease_until: null })
        .where('queue', '=', this.name)
        .where('id', '=', row.id)
        .where('lease_owner', '=', this.owner)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (kind && Number(updated.numUpdatedRows) === 1) {
        const event = await trx
          .insertInto('compute_queue_events')
          .values({ queue: this.name, job_id: row.id, kind, data: JSON.stringify(data) } as EventRow)
          .returning('seq')
          .executeTakeFirstOrThrow();
        // Events are notifications, not history (the job row is the record): keep a bounded tail.
        await trx.deleteFrom('compute_queue_events').where('seq', '<=', event.seq - EVENTS_KEPT).execute();
      }
    });
  }

  private watchEvents(): void {
    if (this.eventTimer || this.closed) return;
    const tick = async () => {
      try {
        await this.deliverEvents();
      } catch {
        // Undelivered events stay in the table and go out on the next tick.
      } finally {
        if (!this.closed) this.eventTimer = setTimeout(() => void tick(), this.pollMs);
      }
    };
    this.eventTimer = setTimeout(() => void tick(), 0);
  }

  private async deliverEvents(): Promise<void> {
    const events = await this.database.db
      .selectFrom('compute_queue_events')
      .selectAll()
      .where('queue', '=', this.name)
      .where('seq', '>', this.lastSeq)
      .orderBy('seq')
      .limit(1000)
      .execute();
    for (const event of events) {
      this.lastSeq = event.seq;
      const data = JSON.parse(event.data) as unknown;
      if (event.kind === 'progress') for (const l of this.listeners.progress) l(event.job_id, data as number);
      else if (event.kind === 'completed') for (const l of this.listeners.completed) l(event.job_id, data as R);
      else for (const l of this.listeners.failed) l(event.job_id, data as string);
    }
  }
}
