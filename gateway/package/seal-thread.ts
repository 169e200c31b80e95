import { workerData } from 'node:worker_threads';
import { serveTasks } from '../../common/threads/serve.ts';
// The stream AEAD alone (crypto's light entry): thread bundles must not carry SM2 or sm-crypto.
import { createSegmentSealer, type SegmentBatch, type StreamParams } from '../../crypto/stream-aead.ts';

/**
 * A package sealing thread (run from a bundle, see seal.ts): seals batches of segments of one
 * package's stream under the package key it was started with, and moves the result back.
 */
const seal = createSegmentSealer(workerData as StreamParams);

serveTasks(
  (batch: SegmentBatch): Uint8Array<ArrayBuffer> => seal(batch.data, batch.index, batch.last) as Uint8Array<ArrayBuffer>,
  (sealed) => [sealed.buffer],
);
