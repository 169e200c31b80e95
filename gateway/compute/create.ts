import { SluiceError } from '../../common/index.ts';
import type { HeScheme, OperationKind } from '../../compute/index.ts';
import { enqueue } from '../anchoring/outbox.ts';
import type { Party } from '../auth/principal.ts';
import { newId } from '../ids.ts';
import { authorizeInputs, checkContributors, distinctPersons, readColumn, type AuthorizedInput, type ColumnValues } from './inputs.ts';
import type { InputRow, JobRow } from './jobs.ts';
import { jobRecord } from './records.ts';
import { checkRequest, columnSpec, DEFAULT_MIN_GROUP_SIZE, paramsOf, schemeFor, type CreateJobBody } from './request.ts';
import type { ComputeRuntime } from './runtime.ts';
import { codeOf, failJob, moveStage } from './stages.ts';
import { outboxTransaction, type JobStage } from './tables.ts';

/**
 * `POST /v1/compute/jobs`. Everything that can refuse the job is checked before anything is
 * written: the contracts, the column, the group size (over the owners' persons). Then the job
 * row is written as `preparing`; the key set is created in the KMS, each owner's column is
 * decrypted (its dataset key unwrapped for this request only) and encrypted under the job's
 * public key into the compute store; one transaction moves the row on and puts the
 * `compute.job` record in the outbox. A failure in between marks the job failed and removes its
 * files; a crash leaves it `preparing`, which the next start marks failed the same way (the
 * requester never got its id). Only then is it handed to the queue.
 */
export async function createJob(rt: ComputeRuntime, requester: Party, body: CreateJobBody): Promise<{ id: string; status: 'queued' | 'awaiting_approval' }> {
  const { ctx } = rt;
  checkRequest(body);
  const contributors = body.contributors ?? [];
  await checkContributors(ctx, contributors);
  const authorized = await authorizeInputs(ctx, requester, body);
  const minGroupSize = body.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE;
  const columns: ColumnValues[] = [];
  for (const input of authorized) columns.push(await readColumn(ctx, input.dataset, body.column));
  if (distinctPersons(columns) < minGroupSize) {
    throw new SluiceError('GROUP_TOO_SMALL', 'the inputs hold fewer persons than the job’s minimum group size', { minGroupSize });
  }
  const he = body.operation !== 'psi';
  const numbers = he ? columns.map((c) => (body.operation === 'count' ? new Array<number>(c.values.length).fill(0) : (c.values as number[]))) : [];
  const scheme = he ? schemeFor(body, numbers) : null;
  const now = ctx.now().toISOString();
  const { job, inputs } = newJobRows(requester, body, authorized, columns, { scheme, minGroupSize, now });
  await rt.db.transaction().execute(async (trx) => {
    await trx.insertInto('compute_jobs').values(job).execute();
    await trx.insertInto('compute_job_inputs').values(inputs).execute();
  });

  const stage: JobStage = !he ? 'evaluated' : contributors.length > 0 ? 'awaiting_contributions' : 'enqueuing';
  let recordId: string;
  try {
    const names = inputs.filter((i) => i.kind === 'dataset').map((i) => i.name);
    const keysetId = scheme ? await encryptInputs(rt, job, scheme, numbers, names, body.dp) : null;
    const digests = new Map(authorized.map((a) => [a.contract.id, a.contract.digest]));
    const record = jobRecord({ ...job, keyset_id: keysetId }, inputs, digests, now);
    recordId = record.id;
    await rt.db.transaction().execute(async (trx) => {
      if (!(await moveStage(trx, job, stage, { keyset_id: keysetId }))) throw new SluiceError('CONFLICT', 'the job changed while it was prepared');
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

/** The job row, `preparing`, and its inputs: the owners' datasets in request order, then the contributors. */
function newJobRows(
  requester: Party,
  body: CreateJobBody,
  authorized: AuthorizedInput[],
  columns: ColumnValues[],
  fixed: { scheme: HeScheme | null; minGroupSize: number; now: string },
): { job: JobRow; inputs: InputRow[] } {
  const id = newId('job');
  const job: JobRow = {
    id,
    requester_id: requester.id,
    operation: body.operation,
    column_name: body.column,
    purpose: body.purpose,
    params: JSON.stringify(paramsOf(body)),
    scheme: fixed.scheme,
    min_group_size: fixed.minGroupSize,
    keyset_id: null,
    keyset_destroyed_at: null,
    stage: 'preparing',
    error: null,
    result_digest: null,
    result: null,
    psi_exchanged_at: null,
    created_at: fixed.now,
    updated_at: fixed.now,
  };
  const owned = authorized.map((a, i) => ({
    job_id: id,
    name: `input-${i}`,
    position: i,
    kind: 'dataset' as const,
    party_id: a.contract.owner_id,
    dataset_id: a.dataset.id,
    contract_id: a.contract.id,
    rows: columns[i]!.values.length,
  }));
  const contributed = (body.contributors ?? []).map((party, i) => ({
    job_id: id,
    name: `contribution-${i}`,
    position: authorized.length + i,
    kind: 'contribution' as const,
    party_id: party,
    dataset_id: null,
    contract_id: null,
    rows: null,
  }));
  return { job, inputs: [...owned, ...contributed] };
}

/** The job's key set in the KMS, and every owner's column encrypted under it into the store. */
async function encryptInputs(rt: ComputeRuntime, job: JobRow, scheme: HeScheme, columns: number[][], names: string[], dp: CreateJobBody['dp']): Promise<string> {
  const { keysets, encryption, store } = rt.ctx.compute;
  const keyset = await keysets.createKeyset({
    jobId: job.id,
    scheme,
    operation: job.operation as OperationKind,
    minGroupSize: job.min_group_size,
    ...(dp ? { dp } : {}),
  });
  // Known to the row from here on, so a job that fails from now on still gets its key set destroyed.
  await rt.db.updateTable('compute_jobs').set({ keyset_id: keyset.keysetId }).where('id', '=', job.id).execute();
  const encrypted = await encryption.encryptColumns(keyset.publicKey, columns, columnSpec(job));
  encrypted.forEach((bytes, i) => store.putInput(job.id, names[i]!, bytes));
  return keyset.keysetId;
}
