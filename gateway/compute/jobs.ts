import type { Kysely } from 'kysely';
import { SluiceError } from '../../common/index.ts';
import { computeJobStatus, type ComputeJobStatus, type ReleasedResult } from '../../compute/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { ComputeServices } from '../context.ts';
import { isPrivateJoin, jobParams } from './request.ts';
import type { GatewaySchema } from '../db/schema.ts';
import type { ComputeJobInputsTable, ComputeJobsTable } from './tables.ts';
import type { BudgetState } from './disclosure/budget.ts';

export type JobRow = ComputeJobsTable;
export type InputRow = ComputeJobInputsTable;

export interface JobView {
  id: string;
  status: ComputeJobStatus;
  progress: number;
  operation: string;
  column: string;
  purpose: string;
  minGroupSize: number;
  /** Owners who approved the release, and those still to approve. */
  approvals: string[];
  pending: string[];
}

export const TERMINAL: ReadonlySet<ComputeJobStatus> = new Set(['released', 'failed']);

export async function findJob(db: Kysely<GatewaySchema>, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('compute_jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getJob(db: Kysely<GatewaySchema>, id: string): Promise<JobRow> {
  const job = await findJob(db, id);
  if (!job) throw new SluiceError('NOT_FOUND', 'compute job not found');
  return job;
}

export async function jobInputs(db: Kysely<GatewaySchema>, id: string): Promise<InputRow[]> {
  return db.selectFrom('compute_job_inputs').selectAll().where('job_id', '=', id).orderBy('position').execute();
}

/** The owners of the job's dataset inputs: each must approve before anything is released. */
export function ownersOf(inputs: readonly InputRow[]): string[] {
  return [...new Set(inputs.filter((i) => i.kind === 'dataset').map((i) => i.party_id))];
}

/** Owners of the job's inputs who have not approved yet. */
export function pendingOwners(inputs: readonly InputRow[], approvals: readonly string[]): string[] {
  return ownersOf(inputs).filter((owner) => !approvals.includes(owner));
}

export function contractsOf(inputs: readonly InputRow[]): string[] {
  return inputs.flatMap((i) => (i.contract_id ? [i.contract_id] : []));
}

export async function approversOf(db: Kysely<GatewaySchema>, id: string): Promise<{ owner_id: string; approved_at: string }[]> {
  return db.selectFrom('compute_job_approvals').select(['owner_id', 'approved_at']).where('job_id', '=', id).orderBy('approved_at').orderBy('owner_id').execute();
}

/** The requester, the inputs' owners, declared contributors and regulators may follow a job. */
export function assertMayRead(principal: Principal, job: JobRow, inputs: readonly InputRow[]): void {
  if (principal.role === 'party') {
    const { party } = principal;
    if (party.id === job.requester_id || party.kind === 'regulator' || inputs.some((i) => i.party_id === party.id)) return;
  }
  throw new SluiceError('FORBIDDEN', 'not a party to this compute job');
}

export function assertRequester(principal: Principal, job: JobRow): void {
  if (principal.role !== 'party' || principal.party.id !== job.requester_id) throw new SluiceError('FORBIDDEN', 'only the requester of the job may do this');
}

/** `GET /v1/compute/jobs/:id/result`: the released figure, for the requester only. */
/** The released figure, as the release stored it (with the privacy budget it drew on, if any). */
export function releasedResult(principal: Principal, job: JobRow): ReleasedResult & { budget?: BudgetState } {
  assertRequester(principal, job);
  if (job.operation === 'psi' && !isPrivateJoin(job.operation, jobParams(job))) throw new SluiceError('VALIDATION_FAILED', 'a PSI job’s result is computed by the requester (sluice psi)');
  if (job.stage === 'released') return JSON.parse(job.result!) as ReleasedResult & { budget?: BudgetState };
  if (job.error === 'GROUP_TOO_SMALL') throw new SluiceError('GROUP_TOO_SMALL', 'the result covers too few rows to be released');
  throw new SluiceError('RESULT_NOT_RELEASED', 'the result is not released', { status: job.stage === 'failed' ? 'failed' : 'pending' });
}

/**
 * The SURFACE status: the gateway's own stages, and while the worker has the job, the queue's
 * state and progress.
 */
export async function jobStatus(queue: ComputeServices['queue'], job: JobRow): Promise<{ status: ComputeJobStatus; progress: number }> {
  switch (job.stage) {
    case 'preparing':
    case 'awaiting_contributions':
    case 'enqueuing':
      return { status: 'queued', progress: 0 };
    case 'evaluating': {
      const info = await queue.get(job.id);
      if (!info) return { status: 'queued', progress: 0 };
      return { status: computeJobStatus(info, false), progress: info.status === 'completed' ? 1 : info.progress };
    }
    case 'evaluated':
      return { status: 'awaiting_approval', progress: 1 };
    case 'released':
      return { status: 'released', progress: 1 };
    case 'failed':
      return { status: 'failed', progress: 0 };
  }
}

export async function jobView(db: Kysely<GatewaySchema>, queue: ComputeServices['queue'], job: JobRow): Promise<JobView> {
  const [{ status, progress }, inputs, approvers] = await Promise.all([jobStatus(queue, job), jobInputs(db, job.id), approversOf(db, job.id)]);
  const approvals = approvers.map((a) => a.owner_id);
  return {
    id: job.id,
    status,
    progress,
    operation: job.operation,
    column: job.column_name,
    purpose: job.purpose,
    minGroupSize: job.min_group_size,
    approvals,
    pending: pendingOwners(inputs, approvals),
  };
}
