export { BFV, CKKS, HE_SCHEMES, PARAMETER_SETS, type HeScheme, type ParameterSet } from './he/params.ts';
export { AGGREGATES, HE_RESULT_SCHEMA, NOISE_SCHEMA, OPERATIONS, maskWeight, needsPlaintextMultiply, type ColumnSpec, type OperationKind } from './he/operations.ts';
export { decodePublicKey } from './he/artifacts.ts';
export { encryptColumn } from './he/encrypt.ts';
export { EncryptionPool, encryptColumns } from './he/parallel.ts';
export { evaluate, type EvaluateKeys, type EvaluateRequest } from './he/evaluate.ts';
export { verifyContribution } from './he/verify.ts';
export type { HeResult } from './he/totals.ts';
export { createJobQueue, type JobHandler, type JobInfo, type JobOptions, type JobQueue, type JobStatus, type QueueConfig, type RunningJob } from './queue/index.ts';
export { OUTSIDE, suppressCells, type CellShare, type SuppressedCell } from './disclosure/cells.ts';
export { plannedNoise, type DpRelease, type NoiseReport } from './disclosure/noise.ts';
export type { ReleasedResult } from './disclosure/release.ts';
export { computeStore, createComputeQueue, startComputeWorker, DEFAULT_LIMITS, type ComputeWorkerOptions } from './worker/worker.ts';
export { computeStoreMigrations, type ComputeStore } from './worker/store.ts';
export { createComputeHandler, type ComputeHandlerDeps } from './worker/handler.ts';
export type { ComputeJobPayload, ComputeJobResult } from './worker/payload.ts';
export { buildChildBundle, type ChildBundle } from './worker/bundle.ts';
export { SandboxChild, SpareChildren } from './worker/sandbox.ts';
export {
  PSI_PROTOCOL,
  X25519Pool,
  dedupe,
  joinInput,
  joinMask,
  joinRespond,
  joinTags,
  psiFinish,
  psiRequest,
  psiRespond,
  type JoinInput,
  type PsiMode,
  type PsiOutcome,
  type PsiRequestState,
  type PsiSession,
} from './psi/index.ts';
export { computeGatewayClient, type ContributionReceipt, type JobKey } from './client.ts';
export { computeJobStatus, type ComputeJobStatus } from './worker/status.ts';
