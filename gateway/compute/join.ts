import { SluiceError } from '../../common/index.ts';
import { joinMask, joinRespond, maskWeight, type ComputeJobPayload } from '../../compute/index.ts';
import type { Party, Principal } from '../auth/principal.ts';
import { approversOf, getJob, jobInputs, pendingOwners, type InputRow, type JobRow } from './jobs.ts';
import { ownerElements, requesterPsiJob, session } from './psi-session.ts';
import { isPrivateJoin, jobParams } from './request.ts';
import type { CreateJobBody } from './schemas.ts';
import { JOB_LOCK, type ComputeRuntime } from './runtime.ts';
import { failJob } from './stages.ts';

/**
 * The gateway's side of a private join (`operation: "psi", mode: "sum"`, compute/psi/join.ts):
 * the requester's values summed over the persons it shares with the owners. The requester is
 * the job's one contributor: it sends its blinded ids (`POST …/psi`), the owners' blinded set
 * comes back; it returns that set under its own scalar (`POST …/psi/tags`), which decides the
 * mask; then it uploads its values, encrypted under the job key in the same order
 * (`POST …/contributions`). The worker sums them under the mask, the KMS releases the sum and
 * the intersection's size only over the job's floor, as for every homomorphic job.
 */

/** Store names of the exchange's state (the requester's points blinded twice) and of the mask. */
const JOIN_STATE = 'psi-join-state';
const JOIN_MASK = 'psi-join-mask';

export function isJoinJob(job: Pick<JobRow, 'operation' | 'params'>): boolean {
  return isPrivateJoin(job.operation, jobParams(job));
}

/** Who uploads encrypted columns: the declared contributors, or for a private join its requester. */
export function contributorsOf(body: CreateJobBody, requester: Party): string[] {
  return isPrivateJoin(body.operation, body) ? [requester.id] : (body.contributors ?? []);
}

/**
 * The smallest intersection whose sum is released: the job's effective floor (the platform's,
 * every input contract's, the request's — the largest; disclosure/plan.ts), which its row keeps.
 * The gateway cannot see which persons the intersection covers, so the person-based controls
 * that ran on the owners' set at creation cannot run on it: its size is checked here, as soon
 * as the tags decide the mask, before any value is uploaded. The KMS checks n against the same
 * floor again when it decrypts.
 */
export function intersectionFloor(job: JobRow): number {
  return job.min_group_size;
}

/** Step 2, on `POST /v1/compute/jobs/:id/psi`: once per job, after every owner approved. Runs holding the job's lock. */
export async function joinExchange(rt: ComputeRuntime, job: JobRow, request: Uint8Array): Promise<Uint8Array> {
  const approvals = (await approversOf(rt.ctx.db, job.id)).map((a) => a.owner_id);
  if (pendingOwners(await jobInputs(rt.ctx.db, job.id), approvals).length > 0) {
    throw new SluiceError('RESULT_NOT_RELEASED', 'every owner must approve the exchange first');
  }
  if (job.psi_exchanged_at !== null || job.stage !== 'awaiting_contributions') throw new SluiceError('CONFLICT', 'this job’s exchange has taken place');
  const values = await ownerElements(rt, job);
  const { response, state } = await joinRespond(session(job), values, request, rt.ctx.compute.psi);
  await rt.ctx.compute.store.putInput(job.id, JOIN_STATE, state);
  await rt.ctx.db.updateTable('compute_jobs').set({ psi_exchanged_at: rt.ctx.now().toISOString() }).where('id', '=', job.id).execute();
  rt.ctx.logger.info({ jobId: job.id, ownerValues: values.length }, 'private join: owners’ set sent');
  return response;
}

/**
 * Step 4, on `POST /v1/compute/jobs/:id/psi/tags`: the requester's tags decide which of its
 * positions are in the intersection. Below the floor the job fails (GROUP_TOO_SMALL) and the
 * requester learns no more than that.
 */
export async function joinTagsReceived(rt: ComputeRuntime, principal: Principal, jobId: string, tags: Uint8Array): Promise<{ id: string; status: 'queued' }> {
  await joinJobOf(rt, principal, jobId);
  return rt.ctx.locks.run(JOB_LOCK, jobId, async () => {
    const job = await getJob(rt.ctx.db, jobId);
    const { store } = rt.ctx.compute;
    const state = job.stage === 'awaiting_contributions' ? await store.readInput(jobId, JOIN_STATE) : undefined;
    if (!state) {
      throw new SluiceError('CONFLICT', (await store.readInput(jobId, JOIN_MASK)) ? 'the tags were received' : 'the exchange (POST …/psi) comes first');
    }
    const mask = joinMask(session(job), state, tags);
    if (maskWeight(mask) < intersectionFloor(job)) {
      await failJob(rt, job, 'GROUP_TOO_SMALL');
      void rt.kick(jobId);
      throw new SluiceError('GROUP_TOO_SMALL', 'the intersection is smaller than this job allows');
    }
    await store.putInput(jobId, JOIN_MASK, mask);
    await store.removeInput(jobId, JOIN_STATE);
    rt.events.changed(jobId);
    return { id: jobId, status: 'queued' as const };
  });
}

/** Before the requester's values are stored: one per position of the exchange, after the mask exists. */
export async function checkJoinContribution(rt: ComputeRuntime, job: JobRow, n: number): Promise<void> {
  const mask = await rt.ctx.compute.store.readInput(job.id, JOIN_MASK);
  if (!mask) throw new SluiceError('CONFLICT', 'the exchange and its tags come before the values');
  if (mask.length !== n) throw new SluiceError('VALIDATION_FAILED', 'one encrypted value per element of the exchange is expected');
}

/** The worker's job: the requester's values, summed under the mask. */
export function joinPayload(job: JobRow, inputs: readonly InputRow[]): ComputeJobPayload {
  const values = inputs.filter((i) => i.kind === 'contribution').map((i) => i.name);
  return { jobId: job.id, keysetId: job.keyset_id!, operation: 'intersectionSum', inputs: values, mask: JOIN_MASK };
}

async function joinJobOf(rt: ComputeRuntime, principal: Principal, jobId: string): Promise<JobRow> {
  const job = await requesterPsiJob(rt, principal, jobId);
  if (!isJoinJob(job)) throw new SluiceError('VALIDATION_FAILED', 'not a private-join (psi sum) job');
  return job;
}
