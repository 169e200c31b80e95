import type { OperationKind } from '../he/operations.ts';

/**
 * What the gateway enqueues for one compute job and what the worker answers: the format both
 * processes share through the queue, light enough (types alone) for either side to import.
 */
export interface ComputeJobPayload {
  jobId: string;
  /** The KMS key set of the job (`POST /v1/he/keysets`). */
  keysetId: string;
  operation: OperationKind;
  /** Names of the encrypted columns in the store (`ComputeStore.putInput`). */
  inputs: string[];
  /** `weightedSum`: one plaintext weight per input, in the order of `inputs`; the evaluator applies it to each of the input's rows. */
  weights?: number[];
  /** `intersectionSum`: name in the store of the join's mask, one byte (0 or 1) per row of the input. */
  mask?: string;
}

export interface ComputeJobResult {
  /** Hex SHA-256 of the result ciphertext, also recorded in the KMS. */
  digest: string;
  bytes: number;
}

/**
 * The job as the worker hands it to its sandboxed child: the payload, with `inputs` and `mask`
 * naming files in the child's scratch directory instead of entries of the store.
 */
export type SandboxJob = Pick<ComputeJobPayload, 'operation' | 'inputs' | 'weights' | 'mask'>;

/** File names inside a job's scratch directory, shared by the worker and the child. */
export const SANDBOX_FILES = {
  job: 'job.json',
  publicKey: 'public-key.bin',
  inputsDir: 'inputs',
  mask: 'mask.bin',
  result: 'result.bin',
} as const;
