import { isSluiceError } from '../../common/index.ts';
import type { ComputeJobPayload, OperationKind, ReleasedResult } from '../../compute/index.ts';
import { enqueue } from '../anchoring/outbox.ts';
import { recheckContracts } from './inputs.ts';
import { approversOf, contractsOf, findJob, jobInputs, ownersOf, type JobRow } from './jobs.ts';
import { isJoinJob, joinPayload } from './join.ts';
import { releaseRecord } from './records.ts';
import { jobParams } from './request.ts';
import type { ComputeRuntime } from './runtime.ts';
import { discardJobFiles, failJob, failureCode, moveStage } from './stages.ts';
import { jobReleased, releaseSuppression, resultBudget } from './disclosure/controls.ts';

/**
 * Moves a job through the stages no request drives: hand it to the queue, follow the worker,
 * release once every owner approved and the result exists, destroy its key set once it ended. Each step is idempotent and keyed
 * by the job id, so running it again after a crash, a missed queue event or a KMS outage
 * finishes the job. Call it through `ComputeRuntime.kick` (one transition at a time per job).
 */
export async function advance(rt: ComputeRuntime, jobId: string): Promise<void> {
  for (;;) {
    const job = await findJob(rt.ctx.db, jobId);
    if (!job || !(await step(rt, job))) return;
    rt.events.changed(jobId);
  }
}

async function step(rt: ComputeRuntime, job: JobRow): Promise<boolean> {
  switch (job.stage) {
    case 'enqueuing':
      await rt.ctx.compute.queue.add(job.id, await payloadOf(rt, job));
      return moveStage(rt.ctx.db, job, 'evaluating');
    case 'evaluating':
      return observeWorker(rt, job);
    case 'evaluated':
      return releaseWhenApproved(rt, job);
    case 'released':
    case 'failed':
      return destroyKeyset(rt, job);
    default:
      return false;
  }
}

/**
 * A job that ended needs its key set no more: the KMS deletes the secret key, so the job's
 * ciphertexts — on workers, in backups, abroad — can never be decrypted again. The last step.
 */
async function destroyKeyset(rt: ComputeRuntime, job: JobRow): Promise<boolean> {
  if (job.keyset_id === null || job.keyset_destroyed_at !== null) return false;
  await rt.ctx.compute.keysets.destroy(job.keyset_id);
  await rt.ctx.db.updateTable('compute_jobs').set({ keyset_destroyed_at: rt.ctx.now().toISOString() }).where('id', '=', job.id).execute();
  return false;
}

async function payloadOf(rt: ComputeRuntime, job: JobRow): Promise<ComputeJobPayload> {
  const inputs = await jobInputs(rt.ctx.db, job.id);
  if (isJoinJob(job)) return joinPayload(job, inputs);
  const payload: ComputeJobPayload = { jobId: job.id, keysetId: job.keyset_id!, operation: job.operation as OperationKind, inputs: inputs.map((i) => i.name) };
  // The requester weights whole inputs, in the order of `inputs`; the evaluator applies each to its input's rows.
  const { weights } = jobParams(job);
  if (weights) payload.weights = inputs.map((_, i) => weights[i]!);
  return payload;
}

async function observeWorker(rt: ComputeRuntime, job: JobRow): Promise<boolean> {
  const { queue } = rt.ctx.compute;
  const info = await queue.get(job.id);
  if (!info) {
    // The queue lost the job (Redis flushed, queue file replaced): evaluating again is idempotent.
    await queue.add(job.id, await payloadOf(rt, job));
    return false;
  }
  if (info.status === 'completed' && info.result) return moveStage(rt.ctx.db, job, 'evaluated', { result_digest: info.result.digest });
  if (info.status === 'failed') return failJob(rt, job, failureCode(info.error));
  return false;
}

async function releaseWhenApproved(rt: ComputeRuntime, job: JobRow): Promise<boolean> {
  const inputs = await jobInputs(rt.ctx.db, job.id);
  const approvals = await approversOf(rt.ctx.db, job.id);
  const approved = approvals.map((a) => a.owner_id);
  if (ownersOf(inputs).some((owner) => !approved.includes(owner))) return false;
  try {
    await recheckContracts(rt.ctx, contractsOf(inputs), job.purpose);
    let released: { resultDigest: string; result: ReleasedResult } | undefined;
    // Homomorphic jobs (a private join too) release through the KMS; a plain PSI has nothing to decrypt.
    if (job.keyset_id !== null) {
      const ciphertext = await rt.ctx.compute.store.readResult(job.id);
      if (!ciphertext) return failJob(rt, job, 'INTERNAL');
      await rt.ctx.compute.keysets.release(job.keyset_id!, approvals.map((a) => ({ party: a.owner_id, approvedAt: a.approved_at })));
      // The KMS withholds the bins the controls found below the floor and adds the owners' noise.
      const result = await rt.ctx.compute.keysets.decrypt(job.keyset_id!, ciphertext, await releaseSuppression(rt.ctx.db, job.id));
      released = { resultDigest: job.result_digest!, result };
    }
    const record = releaseRecord(job, approved, rt.ctx.now().toISOString(), released);
    const moved = await rt.ctx.db.transaction().execute(async (trx) => {
      const budget = released?.result.noise ? await resultBudget(trx, job.id) : undefined;
      const done = await moveStage(trx, job, 'released', released ? { result: JSON.stringify(budget ? { ...released.result, budget } : released.result) } : {});
      if (done) {
        await enqueue(trx, record);
        await jobReleased(trx, job.id);
      }
      return done;
    });
    if (moved) {
      await rt.ctx.relay.anchor(record.id);
      await discardJobFiles(rt, job.id);
    }
    return moved;
  } catch (error) {
    // Refusals (a revoked contract, too few rows, a result the KMS will not decrypt) are final;
    // an unavailable KMS is retried by the next sweep.
    if (isSluiceError(error) && error.status < 500) return failJob(rt, job, error.code);
    throw error;
  }
}
