import { fail } from '../common/errors.ts';
import { createAead, AEAD_TAG_BYTES, AeadError, type AeadAlg } from './aead.ts';
import { toBytes, type BytesLike } from './bytes.ts';

/**
 * Online authenticated encryption of a byte stream: the STREAM construction (Hoang, Reyhanitabar,
 * Rogaway, Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance"), laid
 * out as Tink's streaming AEAD lays it out. The plaintext is cut into segments of `segmentSize`
 * bytes (the last one shorter, never empty unless the whole stream is); each segment is sealed
 * on its own with the nonce
 *
 *     noncePrefix (7 bytes) ‖ segment index (4 bytes, big-endian) ‖ last-segment flag (1 byte: 0 or 1)
 *
 * and the stream's associated data. A reader can release each segment once its tag checks, in
 * bounded memory; a reordered or duplicated segment fails (its index is in the nonce), a dropped
 * tail fails (the new last segment was sealed with flag 0), and anything after the last
 * segment is refused. The key must be fresh per stream (or the prefix random per stream).
 */
export const STREAM_NONCE_PREFIX_BYTES = 7;
export const STREAM_TAG_BYTES = AEAD_TAG_BYTES;
/** Segment indexes are 32-bit: at most 2^32 segments per stream. */
const MAX_SEGMENTS = 2 ** 32;

export interface StreamParams {
  alg: AeadAlg;
  key: Uint8Array;
  noncePrefix: Uint8Array;
  segmentSize: number;
  /** Bound to every segment (e.g. a digest of the stream's header). */
  aad?: BytesLike;
}

/** The nonce of segment `index`. */
export function streamSegmentNonce(noncePrefix: Uint8Array, index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce.set(noncePrefix);
  new DataView(nonce.buffer).setUint32(STREAM_NONCE_PREFIX_BYTES, index);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function checked(params: StreamParams) {
  if (params.noncePrefix.length !== STREAM_NONCE_PREFIX_BYTES) throw fail.validation(`the stream nonce prefix is ${STREAM_NONCE_PREFIX_BYTES} bytes`);
  if (!Number.isSafeInteger(params.segmentSize) || params.segmentSize < 1 || params.segmentSize > 1 << 24) {
    throw fail.validation('the stream segment size is 1 byte to 16 MiB');
  }
  return { aead: createAead(params.alg, params.key), aad: toBytes(params.aad ?? new Uint8Array()), prefix: Uint8Array.from(params.noncePrefix) };
}

/**
 * Seals consecutive segments of one stream in one call: `data` cut into segments of
 * `segmentSize`, the first one numbered `index`, and with `last` the final one flagged as the
 * stream's last (an empty `data` is then the empty last segment of an empty stream). Without
 * `last`, `data` must be whole segments. Returns the sealed segments back to back. Calls for
 * different parts of a stream are independent, so they may run on different threads.
 */
export function createSegmentSealer(params: StreamParams): (data: Uint8Array, index: number, last: boolean) => Uint8Array {
  const { aead, aad, prefix } = checked(params);
  const size = params.segmentSize;
  return (data, index, last) => {
    if (!last && data.length % size !== 0) throw fail.validation('only the last segment of a stream may be short');
    const count = Math.max(1, Math.ceil(data.length / size));
    if (index + count > MAX_SEGMENTS) throw fail.validation('stream too long for 32-bit segment indexes');
    const out = new Uint8Array(data.length + count * STREAM_TAG_BYTES);
    for (let i = 0; i < count; i++) {
      const segment = data.subarray(i * size, (i + 1) * size);
      out.set(aead.encrypt(streamSegmentNonce(prefix, index + i, last && i === count - 1), segment, aad), i * (size + STREAM_TAG_BYTES));
    }
    return out;
  };
}

/** Consecutive segments of a stream, not yet sealed: what a segment sealer takes. */
export interface SegmentBatch {
  data: Uint8Array;
  /** The number of the first segment. */
  index: number;
  /** The stream's last segment ends this batch. */
  last: boolean;
}

/**
 * Cuts a stream pushed in pieces of any size into batches of `segmentsPerBatch` whole segments,
 * each in a buffer of its own (so it can move to another thread); `finish` returns the rest as
 * the last batch. A full batch is held until more data shows it is not the last.
 */
export class StreamBatcher {
  readonly #batchBytes: number;
  readonly #segmentSize: number;
  #pending: Uint8Array;
  #filled = 0;
  #index = 0;
  #finished = false;

  constructor(segmentSize: number, segmentsPerBatch: number) {
    this.#segmentSize = segmentSize;
    this.#batchBytes = segmentSize * segmentsPerBatch;
    this.#pending = new Uint8Array(this.#batchBytes);
  }

  push(data: Uint8Array): SegmentBatch[] {
    if (this.#finished) throw fail.validation('stream already finished');
    const out: SegmentBatch[] = [];
    for (let at = 0; at < data.length; ) {
      if (this.#filled === this.#batchBytes) out.push(this.#take(false));
      const take = Math.min(data.length - at, this.#batchBytes - this.#filled);
      this.#pending.set(data.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
    }
    return out;
  }

  finish(): SegmentBatch {
    if (this.#finished) throw fail.validation('stream already finished');
    this.#finished = true;
    return this.#take(true);
  }

  #take(last: boolean): SegmentBatch {
    const batch = { data: this.#pending.subarray(0, this.#filled), index: this.#index, last };
    this.#index += Math.ceil(this.#filled / this.#segmentSize);
    this.#pending = last ? new Uint8Array() : new Uint8Array(this.#batchBytes);
    this.#filled = 0;
    return batch;
  }
}

/**
 * Seals a stream pushed in pieces of any size: `push` returns the segments completed so far,
 * `finish` the last one. A full segment is held until more data shows it is not the last.
 */
export class StreamEncryptor {
  readonly #batcher: StreamBatcher;
  readonly #seal: (data: Uint8Array, index: number, last: boolean) => Uint8Array;

  constructor(params: StreamParams) {
    this.#seal = createSegmentSealer(params);
    this.#batcher = new StreamBatcher(params.segmentSize, 1);
  }

  push(data: Uint8Array): Uint8Array[] {
    return this.#batcher.push(data).map((b) => this.#seal(b.data, b.index, b.last));
  }

  finish(): Uint8Array {
    const b = this.#batcher.finish();
    return this.#seal(b.data, b.index, b.last);
  }
}

/**
 * Opens a sealed stream pushed in pieces of any size: `push` returns the plaintext of every
 * segment that is certainly not the last, `finish` that of the last. Throws AeadError
 * (DECRYPT_FAILED) on any altered, reordered, duplicated, dropped or appended segment.
 */
export class StreamDecryptor {
  readonly #open: (segment: Uint8Array, last: boolean) => Uint8Array;
  readonly #buffer: Uint8Array;
  #filled = 0;
  #finished = false;

  constructor(params: StreamParams) {
    const { aead, aad, prefix } = checked(params);
    let index = 0;
    this.#open = (segment, last) => {
      if (index >= MAX_SEGMENTS) throw new AeadError();
      return aead.decrypt(streamSegmentNonce(prefix, index++, last), segment, aad);
    };
    this.#buffer = new Uint8Array(params.segmentSize + STREAM_TAG_BYTES);
  }

  push(data: Uint8Array): Uint8Array[] {
    if (this.#finished) throw new AeadError();
    const out: Uint8Array[] = [];
    for (let at = 0; at < data.length; ) {
      // A full buffer followed by more bytes is a segment that is not the last.
      if (this.#filled === this.#buffer.length) {
        out.push(this.#open(this.#buffer, false));
        this.#filled = 0;
      }
      const take = Math.min(data.length - at, this.#buffer.length - this.#filled);
      this.#buffer.set(data.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
    }
    return out;
  }

  finish(): Uint8Array {
    if (this.#finished) throw new AeadError();
    this.#finished = true;
    if (this.#filled < STREAM_TAG_BYTES) throw new AeadError();
    return this.#open(this.#buffer.subarray(0, this.#filled), true);
  }
}
