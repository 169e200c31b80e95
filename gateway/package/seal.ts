import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, ThreadPool } from '../../common/threads/index.ts';
import { StreamBatcher, StreamEncryptor, type SegmentBatch, type StreamParams } from '../../crypto/index.ts';

const THREAD_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'seal-thread.ts');
/** Segments sealed per task: 1 MiB of the default segments, so a task outweighs its messages. */
const SEGMENTS_PER_BATCH = 16;
/** Batches a thread holds at once. */
const PER_THREAD = 2;

/**
 * The sealed segments of a stream, in order, as its plaintext arrives from `source`: on
 * `threads` worker threads (each batch of segments is sealed on its own, its segment numbers
 * fixed before it leaves), or with 0 by `StreamEncryptor` on this thread, whose bytes the
 * threads' equal. At most a few batches are in flight, so memory stays bounded.
 */
export async function* sealStream(params: StreamParams, source: AsyncIterable<Uint8Array>, threads: number): AsyncGenerator<Uint8Array> {
  if (threads === 0) {
    const encryptor = new StreamEncryptor(params);
    for await (const piece of source) yield* encryptor.push(piece);
    yield encryptor.finish();
    return;
  }
  const batcher = new StreamBatcher(params.segmentSize, SEGMENTS_PER_BATCH);
  const pool = new ThreadPool<SegmentBatch, Uint8Array>({ name: 'package sealing', source: bundle(THREAD_ENTRY, 'cjs').then((b) => b.code), threads, perThread: PER_THREAD, workerData: params });
  const inFlight: Promise<Uint8Array>[] = [];
  // A batch's rejection is read when its turn comes; until then it must not count as unhandled.
  const send = (b: SegmentBatch) => {
    const sealed = pool.run(b, [b.data.buffer as ArrayBuffer]);
    sealed.catch(() => undefined);
    inFlight.push(sealed);
  };
  try {
    for await (const piece of source) {
      for (const b of batcher.push(piece)) {
        send(b);
        while (inFlight.length > pool.capacity) yield await inFlight.shift()!;
      }
    }
    send(batcher.finish());
    while (inFlight.length > 0) yield await inFlight.shift()!;
  } finally {
    await pool.close();
  }
}
