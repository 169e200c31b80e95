import type { RecordFormat } from '../../formats/index.ts';
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

export type Job = { batch: EncodedBatch } | { sealed: SealedRecords };

/** A job's output: the batch text (`batchTextFor`) as UTF-8, and the running totals of the thread that did it. */
export interface JobResult {
  bytes: Uint8Array<ArrayBuffer>;
  thread: number;
  stats: DesensitizeStats;
}
