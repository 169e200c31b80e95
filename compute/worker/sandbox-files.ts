import type { OperationKind } from '../he/operations.ts';

/** The job description the worker writes into the child's scratch directory. */
export interface SandboxJob {
  operation: OperationKind;
  inputs: string[];
  weights?: number[][];
  /** `intersectionSum`: the file of the join's mask (`SANDBOX_FILES.mask`). */
  mask?: string;
}

/** File names inside a job's scratch directory, shared by the worker and the child. */
export const SANDBOX_FILES = {
  job: 'job.json',
  publicKey: 'public-key.bin',
  inputsDir: 'inputs',
  mask: 'mask.bin',
  result: 'result.bin',
} as const;
