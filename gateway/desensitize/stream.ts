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
  for await (const unit of transformUnits(input, desensitizer.shuffles, options)) yield desensitizer.transformBatch(unit);
}

/** What one `transformBatch` call gets: each batch as it comes or, when a column is shuffled, a window of them. */
export async function* transformUnits(
  input: AsyncIterable<DataRecord[]> | Iterable<DataRecord[]>,
  shuffles: boolean,
  options: StreamOptions,
): AsyncGenerator<DataRecord[]> {
  if (!shuffles) {
    yield* input;
    return;
  }
  const window = options.shuffleWindow ?? DEFAULT_SHUFFLE_WINDOW;
  let pending: DataRecord[] = [];
  for await (const batch of input) {
    for (const record of batch) pending.push(record);
    if (pending.length >= window) {
      yield pending;
      pending = [];
    }
  }
  if (pending.length > 0) yield pending;
}
