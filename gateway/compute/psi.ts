import { SluiceError } from '../../common/index.ts';
import { PSI_PROTOCOL, psiRespond, type PsiSession } from '../../compute/index.ts';
import type { Principal } from '../auth/principal.ts';
import { getDataset } from '../datasets/service.ts';
import { readColumn, recheckContracts } from './inputs.ts';
import { assertRequester, contractsOf, getJob, jobInputs, type JobRow } from './jobs.ts';
import { jobParams } from './request.ts';
import { JOB_LOCK, type ComputeRuntime } from './runtime.ts';
import { pinnedUploads } from './disclosure/controls.ts';
import { disclosureDb } from './disclosure/tables.ts';

function session(job: JobRow): PsiSession {
  return { protocol: PSI_PROTOCOL, sessionId: job.id, mode: jobParams(job).mode ?? 'cardinality', minSetSize: job.min_group_size };
}

async function requesterPsiJob(rt: ComputeRuntime, principal: Principal, jobId: string): Promise<JobRow> {
  const job = await getJob(rt.db, jobId);
  assertRequester(principal, job);
  if (job.operation !== 'psi') throw new SluiceError('VALIDATION_FAILED', 'not a PSI job');
  return job;
}

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
    const job = await getJob(rt.db, jobId);
    if (job.stage !== 'released') throw new SluiceError('RESULT_NOT_RELEASED', 'every owner must approve the exchange first');
    if (job.psi_exchanged_at !== null) throw new SluiceError('CONFLICT', 'this job’s exchange has taken place');
    const inputs = await jobInputs(rt.db, jobId);
    await recheckContracts(rt.ctx, contractsOf(inputs), job.purpose);
    // The owners' sets as the job pinned them: records appended since are not part of it.
    const pins = await pinnedUploads(disclosureDb(rt.db), jobId);
    const values: string[] = [];
    for (const input of inputs) {
      const column = await readColumn(rt.ctx, await getDataset(rt.ctx, input.dataset_id!), job.column_name, undefined, pins?.[input.position]);
      for (const value of column.values) values.push(String(value));
    }
    const response = await psiRespond(session(job), values, request, rt.ctx.compute.psi);
    await rt.db.updateTable('compute_jobs').set({ psi_exchanged_at: rt.ctx.now().toISOString() }).where('id', '=', jobId).execute();
    rt.ctx.logger.info({ jobId, ownerValues: values.length }, 'PSI exchange answered');
    return response;
  });
}
