import os from 'node:os';

/**
 * Node flags of a service process. With two cores or fewer, V8's parallel and concurrent
 * collector threads compete with a large transfer's own threads (four busy on two cores):
 * collecting on each isolate's own thread made a 1M-row transfer ~6 % faster here
 * (docs/PERFORMANCE.md). V8 takes the flag at start only; set later
 * (`v8.setFlagsFromString`) it crashed the collector.
 */
export function serviceNodeFlags(cores = os.availableParallelism()): string[] {
  return cores <= 2 ? ['--single-threaded-gc'] : [];
}
