import type { RecordFormat } from '../../formats/index.ts';
import type { ErrorCode, ErrorDetails } from '../../../common/errors.ts';
import type { DesensitizeStats } from '../types.ts';
import type { EncodedBatch } from './batch-codec.ts';
import type { SealedInput, SealedRecords } from './sealed.ts';
import type { DesensitizerSpec } from './spec.ts';

export interface WorkerInit {
  spec: DesensitizerSpec;
  format: RecordFormat;
  /** Opens jobs that carry sealed records. */
  input?: SealedInput;
}

export type Job = { seq: number; batch: EncodedBatch } | { seq: number; sealed: SealedRecords };

/** A job's output: the batch text (`batchTextFor`) as UTF-8, and the worker's running totals. */
export type JobResult =
  | { seq: number; bytes: Uint8Array; stats: DesensitizeStats }
  | { seq: number; error: { code: ErrorCode; message: string; details?: ErrorDetails } };
