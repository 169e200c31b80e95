export {
  AGGREGATES,
  BFV,
  CKKS,
  HE_SCHEMES,
  PARAMETER_SETS,
  HE_RESULT_SCHEMA,
  NOISE_SCHEMA,
  OPERATIONS,
  decodeColumn,
  decodePublicKey,
  decodeResult,
  decryptResult,
  decryptTotals,
  encryptColumn,
  encryptColumns,
  EncryptionPool,
  evaluate,
  keygen,
  maskWeight,
  needsPlaintextMultiply,
  verifyContribution,
  warmHeContexts,
  type ColumnSpec,
  type DecryptOptions,
  type EvaluateKeys,
  type EvaluateRequest,
  type HeKeyset,
  type HeResult,
  type HeScheme,
  type KeygenOptions,
  type ParameterSet,
  type OperationKind,
} from './he/index.ts';
export { createJobQueue, type JobHandler, type JobInfo, type JobOptions, type JobQueue, type JobStatus, type QueueConfig, type RunningJob } from './queue/index.ts';
export { OUTSIDE, suppressCells, type CellShare, type SuppressedCell } from './disclosure/cells.ts';
export { plannedNoise, type DpRelease, type NoiseReport } from './disclosure/noise.ts';
export { releaseTotals, type ReleasedResult } from './disclosure/release.ts';
export { computeStore, createComputeQueue, startComputeWorker, DEFAULT_LIMITS, type ComputeWorkerOptions } from './worker/worker.ts';
export { computeStoreMigrations, type ComputeStore } from './worker/store.ts';
export { createComputeHandler, type ComputeHandlerDeps, type ComputeJobPayload, type ComputeJobResult } from './worker/handler.ts';
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
