import path from 'node:path';
import type { Kysely } from 'kysely';
import { openDatabase, type Logger } from '../../common/index.ts';
import { createJobQueue, type JobQueue } from '../queue/index.ts';
import { buildChildBundle } from './bundle.ts';
import { createComputeHandler, type ComputeHandlerDeps } from './handler.ts';
import type { ComputeJobPayload, ComputeJobResult } from './payload.ts';
import { workerKms, type WorkerKmsAccess } from './kms-client.ts';
import { SandboxChild, SpareChildren, type SandboxLimits } from './sandbox.ts';
import { DatabaseComputeStore, FileComputeStore, type ComputeArtifactTables, type ComputeStore } from './store.ts';

export interface ComputeWorkerOptions {
  dataDir: string;
  /** The gateways' PostgreSQL database, where job artifacts then live; only `compute_artifacts` is used. */
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  kmsUrl: string;
  /** The derived worker token: reads public key material and reports result digests, nothing more. */
  workerToken: string;
  /** Deadline and TLS material of its KMS calls. */
  kmsAccess?: WorkerKmsAccess;
  concurrency?: number;
  leaseMs?: number;
  limits?: Partial<SandboxLimits>;
  logger: Logger;
  run?: ComputeHandlerDeps['run'];
}

export const DEFAULT_LIMITS: SandboxLimits = { timeoutMs: 10 * 60_000, maxOldSpaceMb: 1024 };

/**
 * Where job artifacts live: rows of the gateways' PostgreSQL database when given (any gateway,
 * any worker), otherwise files in the data dir. Gateways write inputs, workers results.
 */
export function computeStore(dataDir: string, db?: Kysely<any>): ComputeStore {
  return db ? new DatabaseComputeStore(db) : new FileComputeStore(path.join(dataDir, 'compute', 'jobs'));
}

/** The compute job queue of a deployment, for the gateway (enqueue, status, events) and the worker. */
export function createComputeQueue(config: { dataDir: string; redisUrl?: string | undefined; leaseMs?: number }): Promise<JobQueue<ComputeJobPayload, ComputeJobResult>> {
  return createJobQueue<ComputeJobPayload, ComputeJobResult>({ name: 'sluice-compute', ...config });
}

/** Consumes the compute queue, each job in its own sandboxed child. */
export async function startComputeWorker(options: ComputeWorkerOptions): Promise<{ close(): Promise<void> }> {
  const bundle = await buildChildBundle(path.join(options.dataDir, 'compute', 'sandbox'));
  const queue = await createComputeQueue({ dataDir: options.dataDir, redisUrl: options.redisUrl, ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}) });
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const scratchRoot = path.join(options.dataDir, 'compute', 'scratch');
  const concurrency = options.concurrency ?? 1;
  const spares = new SpareChildren(() => new SandboxChild(bundle.file, scratchRoot, limits), concurrency);
  const database = options.databaseUrl ? openDatabase<ComputeArtifactTables>({ url: options.databaseUrl, sqlitePath: '', poolSize: 2, applicationName: 'sluice-worker' }) : undefined;
  const handler = createComputeHandler({
    store: computeStore(options.dataDir, database?.db),
    kms: workerKms(options.kmsUrl, options.workerToken, options.kmsAccess),
    spares,
    limits,
    ...(options.run ? { run: options.run } : {}),
  });
  queue.process(async (job) => {
    options.logger.info({ jobId: job.id, attempt: job.attempt }, 'compute job started');
    try {
      const result = await handler(job);
      options.logger.info({ jobId: job.id, bytes: result.bytes }, 'compute job evaluated');
      return result;
    } catch (error) {
      options.logger.warn({ jobId: job.id, code: (error as { code?: string }).code ?? 'INTERNAL' }, 'compute job attempt failed');
      throw error;
    }
  }, { concurrency });
  options.logger.info({ queue: options.redisUrl ? 'bullmq' : 'embedded', concurrency }, 'compute worker ready');
  return {
    close: async () => {
      await queue.close();
      await spares.close();
      await database?.close();
    },
  };
}
