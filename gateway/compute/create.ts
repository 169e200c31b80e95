import { SluiceError } from '../../common/index.ts';
import { enqueue } from '../anchoring/outbox.ts';
import type { Party } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { newId } from '../ids.ts';
import { InputEncryption } from './encrypt-inputs.ts';
import { unwrapDatasetKey } from '../datasets/service.ts';
import { authorizeInputs, checkContributors, distinctPersons, readColumn, type AuthorizedInput, type ColumnValues } from './inputs.ts';
import type { InputRow, JobRow } from './jobs.ts';
import { jobRecord } from './records.ts';
import { contributorsOf } from './join.ts';
import { checkRequest, isHomomorphic, paramsOf } from './request.ts';
import type { CreateJobBody } from './schemas.ts';
import { discardJob, jobCreated, JobControls } from './disclosure/controls.ts';
import { JOB_LOCK, type ComputeRuntime } from './runtime.ts';
import { codeOf, failJob, moveStage } from './stages.ts';
import type { JobStage } from './tables.ts';

/**
 * `POST /v1/compute/jobs`. The request and its contracts are checked before anything is
 * written. Then the job row is written as `preparing` and, for a homomorphic job, its key set
 * requested from the KMS; each owner's column is decrypted (its dataset key unwrapped for this
 * request only) and handed to the encryption threads (which reduce it to its partial aggregates
 * first, under push-down) while the next is read. The disclosure
 * controls (disclosure/controls.ts) fix the group-size floor and draw the owners' privacy
 * budgets before any data is read, measure each column as it is read, and audit the job before
 * it exists. A job over fewer persons than the floor, one that would single someone out, or
 * with values its scheme cannot take, is refused: its key sets are destroyed and its rows
 * deleted, as if it never was. Otherwise the encrypted columns go to the compute store and one
 * transaction moves the row on with the `compute.job` record (and the budget spends) in the
 * outbox. A failure in between fails the job (its files removed, its key set destroyed by
 * the sweep); a crash leaves it `preparing`, which a sweep fails the same way once no gateway
 * holds its lock (the requester never got its id). Only then is it handed to the queue.
 */
export async function createJob(rt: ComputeRuntime, requester: Party, body: CreateJobBody): Promise<{ id: string; status: 'queued' | 'awaiting_approval' }> {
  const { ctx } = rt;
  checkRequest(body);
  await checkContributors(ctx, body.contributors ?? []);
  const contributors = contributorsOf(body, requester);
  const authorized = await authorizeInputs(ctx, requester, body);
  const controls = new JobControls(rt, body, authorized);
  const now = ctx.now().toISOString();
  const job = newJobRow(requester, body, controls, now);
  // The job holds its lock while it is `preparing`: the gateways' sweeps fail only jobs whose gateway died.
  const { stage, recordIds } = await rt.ctx.locks.run(JOB_LOCK, job.id, async () => {
    await rt.ctx.db.insertInto('compute_jobs').values(job).execute();

    let encryption: InputEncryption | undefined;
    let columns: ColumnValues[];
    let he: Awaited<ReturnType<InputEncryption['settle']>> | undefined;
    try {
      await controls.start(job);
      // A private join's key set is for the requester's values: the owners' ids are not encrypted.
      encryption = isHomomorphic(body) ? new InputEncryption(rt, job, body, controls.plan.dp) : undefined;
      columns = await readInputs(ctx, authorized, body, body.operation === 'psi' ? undefined : encryption, controls);
      if (distinctPersons(columns) < job.min_group_size) {
        throw new SluiceError('GROUP_TOO_SMALL', 'the inputs hold fewer persons than the job’s minimum group size', { minGroupSize: job.min_group_size });
      }
      await controls.audit(job, columns);
      he = await encryption?.settle();
    } catch (error) {
      await encryption?.discard().catch(() => ctx.logger.warn({ jobId: job.id }, 'key set of a refused compute job not destroyed'));
      await discardJob(rt.ctx.db, job.id, now);
      await rt.ctx.db.deleteFrom('compute_jobs').where('id', '=', job.id).execute();
      throw error;
    }

    const prepared: JobRow = { ...job, scheme: he?.scheme ?? null, keyset_id: he?.keysetId ?? null };
    const inputs = inputRows(job.id, authorized, columns, contributors);
    const stage: JobStage = !he ? 'evaluated' : contributors.length > 0 ? 'awaiting_contributions' : 'enqueuing';
    try {
      await rt.ctx.db.insertInto('compute_job_inputs').values(inputs).execute();
      const names = inputs.filter((i) => i.kind === 'dataset').map((i) => i.name);
      for (const [i, bytes] of (he?.encrypted ?? []).entries()) await ctx.compute.store.putInput(job.id, names[i]!, bytes);
      const digests = new Map(authorized.map((a) => [a.contract.id, a.contract.digest]));
      const record = jobRecord(prepared, inputs, digests, now);
      const recordIds = await rt.ctx.db.transaction().execute(async (trx) => {
        if (!(await moveStage(trx, job, stage, { scheme: prepared.scheme, keyset_id: prepared.keyset_id }))) {
          throw new SluiceError('CONFLICT', 'the job changed while it was prepared');
        }
        const records = [record, ...(await jobCreated(trx, job.id, now))];
        for (const r of records) await enqueue(trx, r);
        return records.map((r) => r.id);
      });
      return { stage, recordIds };
    } catch (error) {
      // The requester needs the original error; a job left `preparing` is failed by the sweep.
      await failJob(rt, job, codeOf(error)).catch(() => undefined);
      void rt.kick(job.id);
      throw error;
    }
  });
  for (const id of recordIds) await rt.ctx.relay.anchor(id);
  if (stage === 'enqueuing') await rt.kick(job.id);
  return { id: job.id, status: stage === 'evaluated' ? 'awaiting_approval' : 'queued' };
}

/**
 * Each owner's column in request order, at the dataset state the job pinned and as the
 * controls prepare it (DP clamping and caps); a homomorphic job's encryption starts column by
 * column, on what the controls returned — which, under push-down, is what is reduced to the
 * owner's partial aggregates.
 */
async function readInputs(ctx: GatewayContext, authorized: AuthorizedInput[], body: CreateJobBody, encryption: InputEncryption | undefined, controls: JobControls): Promise<ColumnValues[]> {
  // Every owner's data key is requested at once: each is a round trip to the KMS.
  const keys = authorized.map((input) => unwrapDatasetKey(ctx, input.dataset));
  for (const key of keys) key.catch(() => undefined);
  const columns: ColumnValues[] = [];
  try {
    for (const [i, input] of authorized.entries()) {
      const column = controls.measure(i, await readColumn(ctx, input.dataset, body.column, keys[i], controls.pin(i)));
      columns.push(column);
      // A count encrypts no values, only how many rows there are: the column may be of any type.
      encryption?.add(body.operation === 'count' ? new Array<number>(column.values.length).fill(0) : (column.values as number[]));
    }
  } finally {
    // Keys of columns never read (an earlier one failed) are zeroed too.
    for (const key of keys) void key.then((dek) => dek.fill(0), () => undefined);
  }
  return columns;
}

function newJobRow(requester: Party, body: CreateJobBody, controls: JobControls, now: string): JobRow {
  return {
    id: newId('job'),
    requester_id: requester.id,
    operation: body.operation,
    column_name: body.column,
    purpose: body.purpose,
    params: JSON.stringify(paramsOf(body, controls.plan.dp)),
    scheme: null,
    min_group_size: controls.plan.floor,
    keyset_id: null,
    keyset_destroyed_at: null,
    stage: 'preparing',
    error: null,
    result_digest: null,
    result: null,
    psi_exchanged_at: null,
    created_at: now,
    updated_at: now,
  };
}

/** The job's inputs: the owners' datasets in request order, then the contributors. */
function inputRows(jobId: string, authorized: AuthorizedInput[], columns: ColumnValues[], contributors: string[]): InputRow[] {
  const owned = authorized.map((a, i) => ({
    job_id: jobId,
    name: `input-${i}`,
    position: i,
    kind: 'dataset' as const,
    party_id: a.contract.owner_id,
    dataset_id: a.dataset.id,
    contract_id: a.contract.id,
    rows: columns[i]!.values.length,
  }));
  const contributed = contributors.map((party, i) => ({
    job_id: jobId,
    name: `contribution-${i}`,
    position: authorized.length + i,
    kind: 'contribution' as const,
    party_id: party,
    dataset_id: null,
    contract_id: null,
    rows: null,
  }));
  return [...owned, ...contributed];
}
