// What the key holder (the KMS) takes from compute, and nothing more: the parameters and their
// SEAL contexts, the artifact formats, the partial layouts it reads back, and the rules a
// decrypted figure is released under. Light to import: SEAL loads on first use. No evaluation,
// encryption, queue or worker code comes with it, and no secret-key code lives in compute.
export { BFV, CKKS, HE_SCHEMES, PARAMETER_SETS, isParameterSet, parameterSetFor, type HeScheme, type ParameterSet } from './params.ts';
export { heContext, warmHeContexts } from './context.ts';
export { loadSeal } from './seal.ts';
export { pack, unpack } from './wire.ts';
export { decodePublicKey, decodeResult, encodePublicKey, type ResultArtifact } from './artifacts.ts';
export { HE_RESULT_SCHEMA, OPERATIONS, bucketsOf, histogramRowsPerChunk, needsPlaintextMultiply, type ColumnSpec, type OperationKind } from './operations.ts';
export { partialLayout, readLimbs, type Place } from './partials.ts';
export { finishTotals, type HeResult, type ResultTotals } from './totals.ts';
export { releaseTotals, type ReleasedResult } from '../disclosure/release.ts';
export type { DpRelease, NoiseReport } from '../disclosure/noise.ts';
export type { SuppressedCell } from '../disclosure/cells.ts';
