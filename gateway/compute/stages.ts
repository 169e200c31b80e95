import type { Kysely } from 'kysely';
import { ERROR_STATUS, isSluiceError, type ErrorCode } from '../../common/index.ts';
import { enqueue } from '../anchoring/outbox.ts';
import { jobFailed } from './disclosure/controls.ts';
import type { ComputeRuntime } from './runtime.ts';
import type { GatewaySchema } from '../db/schema.ts';
import type { ComputeJobsTable, JobStage } from './tables.ts';

/** Moves a job from the stage it was read in; false when something else moved it first. */
export async function moveStage(db: Kysely<GatewaySchema>, job: Pick<ComputeJobsTable, 'id' | 'stage'>, to: JobStage, change: Partial<ComputeJobsTable> = {}): Promise<boolean> {
  const updated = await db
    .updateTable('compute_jobs')
    .set({ ...change, stage: to, updated_at: new Date().toISOString() })
    .where('id', '=', job.id)
    .where('stage', '=', job.stage)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/**
 * A failed job keeps only the SURFACE code of why; its ciphertexts are of no further use. It
 * released nothing, so its figures leave the disclosure record and its ε goes back to the
 * owners' budgets (anchored, when the draw was).
 */
export async function failJob(rt: ComputeRuntime, job: Pick<ComputeJobsTable, 'id' | 'stage'>, code: ErrorCode): Promise<boolean> {
  const timestamp = rt.ctx.now().toISOString();
  const refunds = await rt.ctx.db.transaction().execute(async (trx) => {
    if (!(await moveStage(trx, job, 'failed', { error: code }))) return undefined;
    const records = await jobFailed(trx, job.id, timestamp);
    for (const record of records) await enqueue(trx, record);
    return records;
  });
  if (!refunds) return false;
  await discardJobFiles(rt, job.id);
  for (const record of refunds) await rt.ctx.relay.anchor(record.id);
  return true;
}

/** A job's inputs and result, wherever the compute store keeps them. */
export function discardJobFiles(rt: ComputeRuntime, jobId: string): Promise<void> {
  return rt.ctx.compute.store.discard(jobId);
}

/** `CODE: message` as queues record failures → the code, when it is one of ours. */
export function failureCode(reason: string | undefined): ErrorCode {
  const code = reason?.split(':', 1)[0];
  return code && code in ERROR_STATUS ? (code as ErrorCode) : 'INTERNAL';
}

/** What failures are recorded and logged as: the code, never a message that might carry data. */
export function codeOf(error: unknown): ErrorCode {
  return isSluiceError(error) ? error.code : 'INTERNAL';
}
