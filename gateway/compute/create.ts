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
import { checkRequest, DEFAULT_MIN_GROUP_SIZE, paramsOf, type CreateJobBody } from './request.ts';
import type { ComputeRuntime } from './runtime.ts';
import { codeOf, failJob, moveStage } from './stages.ts';
import { outboxTransaction, type JobStage } from './tables.ts';

/**
 * `POST /v1/compute/jobs`. The request and its contracts are checked before anything is
 * written. Then the job row is written as `preparing` and, for a homomorphic job, its key set
 * requested from the KMS; each owner's column is decrypted (its dataset key unwrapped for this
 * request only) and handed to the encryption threads while the next is read. A job over fewer
 * than `minGroupSize` persons, or with values its scheme cannot take, is refused: its key sets
 * are destroyed and its row deleted, as if it never was. Otherwise the encrypted columns go
 * to the compute store and one transaction moves the row on with the `compute.job` record in
 * the outbox. A failure in between fails the job (its files removed, its key set destroyed by
 * the sweep); a crash leaves it `preparing`, which the next start fails the same way (the
 * requester never got its id). Only then is it handed to the queue.
 */
export async function createJob(rt: ComputeRuntime, requester: Party, body: CreateJobBody): Promise<{ id: string; status: 'queued' | 'awaiting_approval' }> {
  const { ctx } = rt;
  checkRequest(body);
  const contributors = body.contributors ?? [];
  await checkContributors(ctx, contributors);
  const authorized = await authorizeInputs(ctx, requester, body);
  const now = ctx.now().toISOString();
  const job = newJobRow(requester, body, body.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE, now);
  await rt.db.insertInto('compute_jobs').values(job).execute();

  const encryption = body.operation === 'psi' ? undefined : new InputEncryption(rt, job, body);
  let columns: ColumnValues[];
  let he: Awaited<ReturnType<InputEncryption['settle']>> | undefined;
  try {
    columns = await readInputs(ctx, authorized, body, encryption);
    if (distinctPersons(columns) < job.min_group_size) {
      throw new SluiceError('GROUP_TOO_SMALL', 'the inputs hold fewer persons than the job’s minimum group size', { minGroupSize: job.min_group_size });
    }
    he = await encryption?.settle();
  } catch (error) {
    await encryption?.discard().catch(() => ctx.logger.warn({ jobId: job.id }, 'key set of a refused compute job not destroyed'));
    await rt.db.deleteFrom('compute_jobs').where('id', '=', job.id).execute();
    throw error;
  }

  const prepared: JobRow = { ...job, scheme: he?.scheme ?? null, keyset_id: he?.keysetId ?? null };
  const inputs = inputRows(job.id, authorized, columns, contributors);
  const stage: JobStage = !he ? 'evaluated' : contributors.length > 0 ? 'awaiting_contributions' : 'enqueuing';
  let recordId: string;
  try {
    await rt.db.insertInto('compute_job_inputs').values(inputs).execute();
    const names = inputs.filter((i) => i.kind === 'dataset').map((i) => i.name);
    for (const [i, bytes] of (he?.encrypted ?? []).entries()) await ctx.compute.store.putInput(job.id, names[i]!, bytes);
    const digests = new Map(authorized.map((a) => [a.contract.id, a.contract.digest]));
    const record = jobRecord(prepared, inputs, digests, now);
    recordId = record.id;
    await rt.db.transaction().execute(async (trx) => {
      if (!(await moveStage(trx, job, stage, { scheme: prepared.scheme, keyset_id: prepared.keyset_id }))) {
        throw new SluiceError('CONFLICT', 'the job changed while it was prepared');
      }
      await enqueue(outboxTransaction(trx), record);
    });
  } catch (error) {
    // The requester needs the original error; a job left `preparing` is failed at the next start.
    await failJob(rt, job, codeOf(error)).catch(() => undefined);
    void rt.kick(job.id);
    throw error;
  }
  await rt.relay.anchor(recordId);
  if (stage === 'enqueuing') await rt.kick(job.id);
  return { id: job.id, status: stage === 'evaluated' ? 'awaiting_approval' : 'queued' };
}

/** Each owner's column, in request order; a homomorphic job's encryption starts column by column. */
async function readInputs(ctx: GatewayContext, authorized: AuthorizedInput[], body: CreateJobBody, encryption: InputEncryption | undefined): Promise<ColumnValues[]> {
  // Every owner's data key is requested at once: each is a round trip to the KMS.
  const keys = authorized.map((input) => unwrapDatasetKey(ctx, input.dataset));
  for (const key of keys) key.catch(() => undefined);
  const columns: ColumnValues[] = [];
  try {
    for (const [i, input] of authorized.entries()) {
      const column = await readColumn(ctx, input.dataset, body.column, keys[i]);
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

function newJobRow(requester: Party, body: CreateJobBody, minGroupSize: number, now: string): JobRow {
  return {
    id: newId('job'),
    requester_id: requester.id,
    operation: body.operation,
    column_name: body.column,
    purpose: body.purpose,
    params: JSON.stringify(paramsOf(body)),
    scheme: null,
    min_group_size: minGroupSize,
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
