import { SluiceError } from '../../common/index.ts';
import { enqueue } from '../anchoring/outbox.ts';
import { requireParty, type Principal } from '../auth/principal.ts';
import { getJob, jobInputs, jobView } from './jobs.ts';
import { approvalRecord } from './records.ts';
import type { ComputeRuntime } from './runtime.ts';

/**
 * `POST /v1/compute/jobs/:id/approve`: an owner of one of the job's inputs releases its part.
 * Approving again is a no-op (one `compute.approval` record per owner). Approving before the
 * worker has finished is allowed: the release happens when the result arrives.
 */
export async function approveJob(rt: ComputeRuntime, principal: Principal, jobId: string) {
  const party = requireParty(principal);
  const job = await getJob(rt.ctx.db, jobId);
  const owned = (await jobInputs(rt.ctx.db, jobId)).filter((i) => i.kind === 'dataset' && i.party_id === party.id);
  if (owned.length === 0) throw new SluiceError('FORBIDDEN', 'only the owner of one of the job’s inputs may approve it');
  if (job.stage === 'failed') throw new SluiceError('CONFLICT', 'the job failed; there is nothing to release');
  const approvedAt = rt.ctx.now().toISOString();
  const record = approvalRecord(job, party.id, owned.map((i) => i.contract_id!), approvedAt);
  const inserted = await rt.ctx.db.transaction().execute(async (trx) => {
    const result = await trx
      .insertInto('compute_job_approvals')
      .values({ job_id: jobId, owner_id: party.id, approved_at: approvedAt })
      .onConflict((c) => c.columns(['job_id', 'owner_id']).doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    await enqueue(trx, record);
    return true;
  });
  if (inserted) {
    await rt.ctx.relay.anchor(record.id);
    rt.events.changed(jobId);
  }
  await rt.kick(jobId);
  const view = await jobView(rt.ctx.db, rt.ctx.compute.queue, await getJob(rt.ctx.db, jobId));
  return { status: view.status, approvals: view.approvals, pending: view.pending };
}
