import { Queue, QueueEvents, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { failureReason, isPermanent } from './failure.ts';
import type { JobHandler, JobInfo, JobOptions, JobQueue, JobStatus } from './types.ts';

export interface BullQueueOptions {
  name: string;
  redisUrl: string;
  /** Lock of a running job; a killed worker's job is moved back to waiting after it lapses. */
  leaseMs?: number;
}

/** ioredis options from a `redis://` / `rediss://` URL, so we need not depend on ioredis ourselves. */
function connection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  const db = Number(url.pathname.slice(1) || '0');
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db,
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // Workers block on Redis; BullMQ requires unlimited retries per request for them.
    maxRetriesPerRequest: null,
  };
}

const STATES: Record<string, JobStatus> = {
  completed: 'completed',
  failed: 'failed',
  active: 'active',
};

/** The queue on Redis (SLUICE_REDIS_URL): BullMQ jobs with ids, retries with exponential backoff, QueueEvents. */
export class BullJobQueue<P, R> implements JobQueue<P, R> {
  private readonly queue: Queue;
  private readonly connection: ConnectionOptions;
  private readonly leaseMs: number;
  private readonly workers: Worker[] = [];
  private readonly events: QueueEvents;

  private constructor(private readonly options: BullQueueOptions) {
    this.connection = connection(options.redisUrl);
    this.leaseMs = options.leaseMs ?? 30_000;
    this.queue = new Queue(options.name, { connection: this.connection });
    this.events = new QueueEvents(options.name, { connection: this.connection });
    this.events.on('error', () => undefined);
  }

  /** Connected, with QueueEvents listening, so no event after `open` resolves is missed. */
  static async open<P, R>(options: BullQueueOptions): Promise<BullJobQueue<P, R>> {
    const queue = new BullJobQueue<P, R>(options);
    await Promise.all([queue.queue.waitUntilReady(), queue.events.waitUntilReady()]);
    return queue;
  }

  async add(jobId: string, payload: P, options: JobOptions = {}): Promise<void> {
    // BullMQ ignores an add whose jobId exists, which is the idempotency we promise.
    await this.queue.add('job', payload, {
      jobId,
      attempts: options.attempts ?? 3,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  async get(jobId: string): Promise<JobInfo<R> | undefined> {
    const job = await this.queue.getJob(jobId);
    if (!job) return undefined;
    const state = await job.getState();
    const info: JobInfo<R> = {
      id: jobId,
      status: STATES[state] ?? 'waiting',
      progress: state === 'completed' ? 1 : typeof job.progress === 'number' ? job.progress : 0,
      attempts: job.attemptsStarted,
    };
    if (state === 'completed') info.result = job.returnvalue as R;
    if (job.failedReason) info.error = job.failedReason;
    return info;
  }

  process(handler: JobHandler<P, R>, options: { concurrency: number }): void {
    const worker = new Worker(
      this.options.name,
      async (job) => {
        try {
          return await handler({
            id: job.id!,
            payload: job.data as P,
            attempt: job.attemptsStarted,
            progress: (fraction) => job.updateProgress(Math.min(1, Math.max(0, fraction))),
          });
        } catch (error) {
          const reason = failureReason(error);
          throw isPermanent(error) ? new UnrecoverableError(reason) : new Error(reason);
        }
      },
      {
        connection: this.connection,
        concurrency: options.concurrency,
        lockDuration: this.leaseMs,
        stalledInterval: this.leaseMs,
        // A worker killed mid-job is the failure this queue exists to survive: allow it twice.
        maxStalledCount: 2,
      },
    );
    // Errors are reported per job through QueueEvents; a worker-level error must not crash us.
    worker.on('error', () => undefined);
    this.workers.push(worker);
  }

  onProgress(listener: (jobId: string, progress: number) => void): void {
    this.events.on('progress', ({ jobId, data }) => typeof data === 'number' && listener(jobId, data));
  }

  onCompleted(listener: (jobId: string, result: R) => void): void {
    this.events.on('completed', ({ jobId, returnvalue }) => listener(jobId, parse(returnvalue) as R));
  }

  onFailed(listener: (jobId: string, error: string) => void): void {
    this.events.on('failed', ({ jobId, failedReason }) => listener(jobId, failedReason));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.events.close();
    await this.queue.close();
  }
}

function parse(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
