import type { DataRecord } from '../formats/index.ts';
import type { Desensitizer } from './types.ts';

export interface StreamOptions {
  /**
   * Rows per shuffle window (default 65,536). A policy with `shuffle` has its batches gathered
   * into windows of this many rows, each transformed as one unit, so a shuffled column is
   * permuted across the window rather than across a single batch; memory stays bounded by one
   * window. Without `shuffle`, batches pass through one by one.
   */
  shuffleWindow?: number;
}

export const DEFAULT_SHUFFLE_WINDOW = 65_536;

/** Desensitizes a stream of batches in bounded memory. */
export async function* desensitizeStream(
  input: AsyncIterable<DataRecord[]> | Iterable<DataRecord[]>,
  desensitizer: Desensitizer,
  options: StreamOptions = {},
): AsyncGenerator<DataRecord[]> {
  if (!desensitizer.shuffles) {
    for await (const batch of input) yield desensitizer.transformBatch(batch);
    return;
  }
  const window = options.shuffleWindow ?? DEFAULT_SHUFFLE_WINDOW;
  let pending: DataRecord[] = [];
  for await (const batch of input) {
    for (const record of batch) pending.push(record);
    if (pending.length >= window) {
      yield desensitizer.transformBatch(pending);
      pending = [];
    }
  }
  if (pending.length > 0) yield desensitizer.transformBatch(pending);
}
