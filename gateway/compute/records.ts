import type { ReleasedResult } from '../../compute/index.ts';
import type { JsonObject, LedgerRecord } from '../../ledger/index.ts';
import type { InputRow, JobRow } from './jobs.ts';
import { jobParams } from './request.ts';

/**
 * The job's facts as the ledger keeps them: identifiers, parameters, row counts — never a
 * value of the data. Contributors' row counts are not known yet when it is written.
 */
export function jobRecord(job: JobRow, inputs: readonly InputRow[], contractDigests: ReadonlyMap<string, string>, timestamp: string): LedgerRecord {
  const data: JsonObject = {
    jobId: job.id,
    // The requester receives the result: as `recipientId` it may read the record (ledger routes).
    recipientId: job.requester_id,
    operation: job.operation,
    column: job.column_name,
    purpose: job.purpose,
    minGroupSize: job.min_group_size,
    scheme: job.scheme,
    keysetId: job.keyset_id,
    inputs: inputs
      .filter((i) => i.kind === 'dataset')
      .map((i) => ({ datasetId: i.dataset_id, contractId: i.contract_id, contractDigest: contractDigests.get(i.contract_id!) ?? null, ownerId: i.party_id, rows: i.rows })),
    contributors: inputs.filter((i) => i.kind === 'contribution').map((i) => i.party_id),
    ...(jobParams(job) as JsonObject),
  };
  return { id: `${job.id}.created`, type: 'compute.job', timestamp, data };
}

/** One per owner: which of its contracts the approval covers. */
export function approvalRecord(job: JobRow, ownerId: string, contractIds: string[], timestamp: string): LedgerRecord {
  return {
    id: `${job.id}.approval.${ownerId}`,
    type: 'compute.approval',
    timestamp,
    exporterId: ownerId,
    data: { jobId: job.id, ownerId, contractIds },
  };
}

/**
 * The release: the digest of the ciphertext the KMS decrypted and the rows it covers, the bins
 * withheld and the ε of its noise — not the figure.
 */
export function releaseRecord(job: JobRow, approvals: string[], timestamp: string, released?: { resultDigest: string; result: ReleasedResult }): LedgerRecord {
  const data: JsonObject = { jobId: job.id, recipientId: job.requester_id, operation: job.operation, approvals };
  if (released) Object.assign(data, { resultDigest: released.resultDigest, n: released.result.n });
  if (released?.result.suppressed) data.suppressedCells = released.result.suppressed.map((s) => s.cell);
  if (released?.result.noise) data.epsilon = released.result.noise.epsilon;
  else data.mode = jobParams(job).mode ?? 'cardinality';
  return { id: `${job.id}.released`, type: 'compute.release', timestamp, data };
}
