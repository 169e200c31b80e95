import { Periodic } from '../anchoring/periodic.ts';
import type { GatewayContext } from '../context.ts';
import { advance } from './advance.ts';
import { JobEvents } from './events.ts';
import { destroyOrphanKeysets } from './orphans.ts';
import { JOB_LOCK, type ComputeRuntime } from './runtime.ts';
import { codeOf, failJob } from './stages.ts';
import type { JobStage } from './tables.ts';

/** Stages the background sweep moves on: nothing but time (the worker, approvals, the KMS) is awaited. */
const SWEPT: JobStage[] = ['enqueuing', 'evaluating', 'evaluated'];
/** Ended stages the sweep still visits while the job's key set is not yet destroyed (the KMS was unreachable). */
const ENDED: JobStage[] = ['released', 'failed'];
const SWEEP_MS = 2000;
/** How often the KMS's key sets are reconciled with the live jobs (one listing call). */
const ORPHAN_SWEEP_MS = 10_000;

/**
 * The compute feature's background half: a sweep, kicked by every queue event, moves each job
 * on — a job whose enqueue was lost is enqueued, one the worker finished while the gateway was
 * down is seen finished, one whose owners all approved is released, also when the KMS was
 * unavailable the first time — and fails the jobs a crash caught in `preparing` (their
 * requester never got an id). A job being prepared holds its lock (`JOB_LOCK`) on the gateway
 * preparing it, so only jobs whose gateway died are failed, by any gateway on the database.
 */
export async function startComputeService(ctx: GatewayContext): Promise<{ runtime: ComputeRuntime; stop(): Promise<void> }> {
  let stopped = false;
  const runtime: ComputeRuntime = {
    ctx,
    events: new JobEvents(),
    kick: async (jobId) => {
      if (stopped) return;
      await ctx.locks.tryRun(JOB_LOCK, jobId, () => advance(runtime, jobId)).catch((error: unknown) => ctx.logger.warn({ jobId, code: codeOf(error) }, 'compute job not advanced; the sweep retries'));
    },
  };
  await failAbandonedJobs(runtime);

  const { queue } = ctx.compute;
  queue.onProgress((jobId) => runtime.events.changed(jobId));
  queue.onCompleted((jobId) => void runtime.kick(jobId));
  queue.onFailed((jobId) => void runtime.kick(jobId));
  const sweep = new Periodic(
    async () => {
      await failAbandonedJobs(runtime);
      const jobs = await ctx.db
        .selectFrom('compute_jobs')
        .select('id')
        .where((eb) => eb.or([eb('stage', 'in', SWEPT), eb.and([eb('stage', 'in', ENDED), eb('keyset_id', 'is not', null), eb('keyset_destroyed_at', 'is', null)])]))
        .orderBy('created_at')
        .execute();
      for (const { id } of jobs) await runtime.kick(id);
    },
    SWEEP_MS,
    (error) => ctx.logger.warn({ code: codeOf(error) }, 'compute sweep failed'),
  );
  sweep.start();
  const orphans = new Periodic(
    async () => {
      const destroyed = await destroyOrphanKeysets(runtime);
      if (destroyed > 0) ctx.logger.warn({ destroyed }, 'destroyed homomorphic key sets no live job uses');
    },
    ORPHAN_SWEEP_MS,
    (error) => ctx.logger.warn({ code: codeOf(error) }, 'key-set sweep failed; retried next round'),
  );
  orphans.start();
  return {
    runtime,
    async stop() {
      stopped = true;
      await orphans.stop();
      await sweep.stop();
      await ctx.locks.idle();
    },
  };
}

/**
 * Fails the jobs left `preparing` by a gateway that stopped mid-way: no live gateway holds
 * their lock. Their key sets, if any, are destroyed by the sweep.
 */
async function failAbandonedJobs(rt: ComputeRuntime): Promise<void> {
  const preparing = await rt.ctx.db.selectFrom('compute_jobs').select(['id', 'stage']).where('stage', '=', 'preparing').execute();
  let failed = 0;
  for (const job of preparing) {
    if (rt.ctx.locks.heldHere(JOB_LOCK, job.id)) continue;
    // Under the lock the stage is checked again (failJob moves only from `preparing`): the job may have just been made.
    await rt.ctx.locks.tryRun(JOB_LOCK, job.id, async () => {
      if (await failJob(rt, job, 'INTERNAL')) failed++;
    });
  }
  if (failed > 0) rt.ctx.logger.warn({ jobs: failed }, 'compute jobs interrupted while being prepared were failed');
}
