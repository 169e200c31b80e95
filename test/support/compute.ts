import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '../../common/index.ts';
import { startComputeWorker } from '../../compute/index.ts';
import { deriveWorkerToken } from '../../kms/index.ts';
import type { RunningKms } from './kms.ts';

/**
 * Starts a compute worker in this process on the gateway's data dir and queue, and on its
 * database when it has one (job artifacts then live there).
 */
export function useWorker(harness: () => { dataDir: string; kms: RunningKms; gateway: { ctx: { config: { databaseUrl: string | undefined } } } }, redisUrl?: () => string): void {
  let worker: { close(): Promise<void> } | undefined;
  beforeAll(async () => {
    const { dataDir, kms, gateway } = harness();
    worker = await startComputeWorker({
      dataDir,
      databaseUrl: gateway.ctx.config.databaseUrl,
      redisUrl: redisUrl?.(),
      kmsUrl: kms.url,
      workerToken: deriveWorkerToken(kms.token),
      logger: createLogger('compute-worker-test', 'silent'),
    });
  });
  afterAll(() => worker?.close());
}
