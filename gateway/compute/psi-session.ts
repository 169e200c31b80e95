import { SluiceError } from '../../common/index.ts';
import { PSI_PROTOCOL, type PsiSession } from '../../compute/index.ts';
import type { Principal } from '../auth/principal.ts';
import { getDataset } from '../datasets/service.ts';
import { pinnedUploads } from './disclosure/controls.ts';
import { readColumn, recheckContracts } from './inputs.ts';
import { assertRequester, contractsOf, getJob, jobInputs, type JobRow } from './jobs.ts';
import { jobParams } from './request.ts';
import type { ComputeRuntime } from './runtime.ts';

/** What a plain PSI (psi.ts) and a private join (join.ts) share: the session, the job, the owners' set. */

export function session(job: JobRow): PsiSession {
  return { protocol: PSI_PROTOCOL, sessionId: job.id, mode: jobParams(job).mode ?? 'cardinality', minSetSize: job.min_group_size };
}

export async function requesterPsiJob(rt: ComputeRuntime, principal: Principal, jobId: string): Promise<JobRow> {
  const job = await getJob(rt.ctx.db, jobId);
  assertRequester(principal, job);
  if (job.operation !== 'psi') throw new SluiceError('VALIDATION_FAILED', 'not a PSI job');
  return job;
}

/**
 * The owners' side of an exchange: the job's column of every input dataset, as strings, read
 * after the contracts are re-checked (a revoked or lapsed contract answers nothing), at the
 * dataset state the job pinned and audited when it was made (records appended since are not
 * part of it).
 */
export async function ownerElements(rt: ComputeRuntime, job: JobRow): Promise<string[]> {
  const inputs = await jobInputs(rt.ctx.db, job.id);
  await recheckContracts(rt.ctx, contractsOf(inputs), job.purpose);
  const pins = await pinnedUploads(rt.ctx.db, job.id);
  const values: string[] = [];
  for (const input of inputs.filter((i) => i.kind === 'dataset')) {
    const column = await readColumn(rt.ctx, await getDataset(rt.ctx, input.dataset_id!), job.column_name, undefined, pins?.[input.position]);
    for (const value of column.values) values.push(String(value));
  }
  return values;
}
