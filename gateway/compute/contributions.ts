import { SluiceError } from '../../common/index.ts';
import { verifyContribution } from '../../compute/index.ts';
import { requireParty, type Principal } from '../auth/principal.ts';
import { advance } from './advance.ts';
import { getJob, jobInputs, type InputRow, type JobRow } from './jobs.ts';
import { checkJoinContribution, isJoinJob } from './join.ts';
import { columnSpec } from './request.ts';
import { JOB_LOCK, type ComputeRuntime } from './runtime.ts';
import { codeOf, moveStage } from './stages.ts';

async function declaredContribution(rt: ComputeRuntime, principal: Principal, jobId: string): Promise<{ job: JobRow; input: InputRow }> {
  const party = requireParty(principal);
  const job = await getJob(rt.ctx.db, jobId);
  const input = (await jobInputs(rt.ctx.db, jobId)).find((i) => i.kind === 'contribution' && i.party_id === party.id);
  if (!input) throw new SluiceError('FORBIDDEN', 'only a contributor the requester declared may do this');
  return { job, input };
}

/** `GET /v1/compute/jobs/:id/key`: what a declared contributor encrypts its column under. */
export async function jobKey(rt: ComputeRuntime, principal: Principal, jobId: string) {
  const { job } = await declaredContribution(rt, principal, jobId);
  const key = await rt.ctx.compute.keysets.publicKey(job.keyset_id!);
  return { keysetId: key.keysetId, scheme: key.scheme, publicKey: Buffer.from(key.publicKey).toString('base64'), spec: columnSpec(job) };
}

/**
 * `POST /v1/compute/jobs/:id/contributions`: a declared contributor's encrypted column, once.
 * It must be under this job's key and encoded for its operation (`verifyContribution`); the job
 * goes to the queue when the last declared contributor has uploaded.
 */
export async function contribute(rt: ComputeRuntime, principal: Principal, jobId: string, column: Uint8Array) {
  await declaredContribution(rt, principal, jobId);
  // One at a time per job, whichever gateway takes it: the stored column and the row must describe the same upload.
  return rt.ctx.locks.run(JOB_LOCK, jobId, async () => {
    const { job, input } = await declaredContribution(rt, principal, jobId);
    if (input.rows !== null) throw new SluiceError('CONFLICT', 'this contributor has already contributed');
    if (job.stage !== 'awaiting_contributions') throw new SluiceError('CONFLICT', 'the job takes no contributions now');
    const key = await rt.ctx.compute.keysets.publicKey(job.keyset_id!);
    const { n } = verifyContribution(column, key.publicKey, columnSpec(job));
    if (isJoinJob(job)) await checkJoinContribution(rt, job, n);
    await rt.ctx.compute.store.putInput(jobId, input.name, column);
    const complete = await rt.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('compute_job_inputs').set({ rows: n }).where('job_id', '=', jobId).where('name', '=', input.name).execute();
      const missing = await trx.selectFrom('compute_job_inputs').select('name').where('job_id', '=', jobId).where('rows', 'is', null).executeTakeFirst();
      return !missing && (await moveStage(trx, job, 'enqueuing'));
    });
    rt.events.changed(jobId);
    if (complete) await advance(rt, jobId).catch((error: unknown) => rt.ctx.logger.warn({ jobId, code: codeOf(error) }, 'compute job not enqueued yet; the sweep retries'));
    return { input: input.name, n };
  });
}
