import { SluiceError } from '../../common/index.ts';
import { psiRespond, type PsiSession } from '../../compute/index.ts';
import type { Principal } from '../auth/principal.ts';
import { getJob } from './jobs.ts';
import { isJoinJob, joinExchange } from './join.ts';
import { ownerElements, requesterPsiJob, session } from './psi-session.ts';
import { JOB_LOCK, type ComputeRuntime } from './runtime.ts';

/** `GET /v1/compute/jobs/:id/psi`: the session the requester's `sluice psi` runs against. */
export async function psiSession(rt: ComputeRuntime, principal: Principal, jobId: string): Promise<PsiSession> {
  return session(await requesterPsiJob(rt, principal, jobId));
}

/**
 * `POST /v1/compute/jobs/:id/psi`: the owners' side of the exchange, once per job and only
 * after every owner approved. The owners' values are decrypted for this request only and
 * blinded under a scalar used for this exchange only; with the default `cardinality` the
 * requester learns how many of its elements match, and which only in `intersection` mode (every
 * contract `keep`s the column). One exchange per job, so a requester cannot probe membership
 * with set after set; the owners' sets are those the job pinned and audited when it was made.
 */
export async function psiExchange(rt: ComputeRuntime, principal: Principal, jobId: string, request: Uint8Array): Promise<Uint8Array> {
  await requesterPsiJob(rt, principal, jobId);
  // One exchange per job even when gateways receive it at once.
  return rt.ctx.locks.run(JOB_LOCK, jobId, async () => {
    const job = await getJob(rt.ctx.db, jobId);
    if (isJoinJob(job)) return joinExchange(rt, job, request);
    if (job.stage !== 'released') throw new SluiceError('RESULT_NOT_RELEASED', 'every owner must approve the exchange first');
    if (job.psi_exchanged_at !== null) throw new SluiceError('CONFLICT', 'this job’s exchange has taken place');
    const values = await ownerElements(rt, job);
    const response = await psiRespond(session(job), values, request, rt.ctx.compute.psi);
    await rt.ctx.db.updateTable('compute_jobs').set({ psi_exchanged_at: rt.ctx.now().toISOString() }).where('id', '=', jobId).execute();
    rt.ctx.logger.info({ jobId, ownerValues: values.length }, 'PSI exchange answered');
    return response;
  });
}
