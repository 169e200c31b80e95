import path from 'node:path';
import { openDatabase } from '../../common/index.ts';
import { EmbeddedJobQueue, type QueueSchema } from './embedded.ts';
import type { JobQueue } from './types.ts';

export type { JobHandler, JobInfo, JobOptions, JobQueue, JobStatus, RunningJob } from './types.ts';

export interface QueueConfig {
  /** `redis://…` selects BullMQ; otherwise the embedded queue in `dataDir`. */
  redisUrl?: string | undefined;
  dataDir: string;
  name?: string;
  leaseMs?: number;
  pollMs?: number;
}

/** The compute job queue the configuration selects (SLUICE_REDIS_URL set → BullMQ on Redis). */
export async function createJobQueue<P, R>(config: QueueConfig): Promise<JobQueue<P, R>> {
  const name = config.name ?? 'sluice-compute';
  if (config.redisUrl) {
    // Loaded on demand so processes on the embedded queue never load BullMQ and ioredis.
    const { BullJobQueue } = await import('./bullmq.ts');
    return BullJobQueue.open<P, R>({ name, redisUrl: config.redisUrl, ...(config.leaseMs ? { leaseMs: config.leaseMs } : {}) });
  }
  const database = openDatabase<QueueSchema>({ sqlitePath: path.join(config.dataDir, 'compute', 'queue.db') });
  return EmbeddedJobQueue.open<P, R>(database, {
    name,
    ownsDatabase: true,
    ...(config.leaseMs ? { leaseMs: config.leaseMs } : {}),
    ...(config.pollMs ? { pollMs: config.pollMs } : {}),
  });
}
