import type { HeScheme } from '../../compute/index.ts';

/**
 * Where a job is on the gateway's side. The SURFACE status is derived from it (and, while the
 * worker has the job, from the queue): see `jobStatus`.
 *
 * preparing → awaiting_contributions → enqueuing → evaluating → evaluated → released
 *         ↘ failed (interrupted or refused)                    ↘ failed (worker or release refused)
 *
 * PSI jobs have nothing to evaluate: preparing → evaluated → released (the exchange is open).
 */
export type JobStage = 'preparing' | 'awaiting_contributions' | 'enqueuing' | 'evaluating' | 'evaluated' | 'released' | 'failed';

export type JobOperation = 'sum' | 'count' | 'mean' | 'variance' | 'histogram' | 'weightedSum' | 'psi';

export interface ComputeJobsTable {
  id: string;
  requester_id: string;
  operation: JobOperation;
  column_name: string;
  purpose: string;
  /** JSON `JobParams`: what shapes the encoding and the release besides the operation. */
  params: string;
  /** Null for PSI, which needs no homomorphic key set. */
  scheme: HeScheme | null;
  min_group_size: number;
  keyset_id: string | null;
  /** When the KMS confirmed the key set destroyed, after the job ended. */
  keyset_destroyed_at: string | null;
  stage: JobStage;
  /** SURFACE code of the failure; never a message or a value. */
  error: string | null;
  /** Hex SHA-256 of the evaluated result ciphertext, as the worker reported it. */
  result_digest: string | null;
  /** JSON `{operation, value, n}` once released. */
  result: string | null;
  psi_exchanged_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ComputeJobInputsTable {
  job_id: string;
  /** Name in the compute store. */
  name: string;
  /** Order of the worker's inputs (and of `weights`): datasets as requested, then contributors. */
  position: number;
  kind: 'dataset' | 'contribution';
  /** The dataset's owner, or the contributing party. */
  party_id: string;
  dataset_id: string | null;
  contract_id: string | null;
  /** Rows encrypted; null until a contributor has uploaded. */
  rows: number | null;
}

export interface ComputeJobApprovalsTable {
  job_id: string;
  owner_id: string;
  approved_at: string;
}

export interface ComputeTables {
  compute_jobs: ComputeJobsTable;
  compute_job_inputs: ComputeJobInputsTable;
  compute_job_approvals: ComputeJobApprovalsTable;
}
