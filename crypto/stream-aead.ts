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
 * Seals a stream pushed in pieces of any size: `push` returns the segments completed so far,
 * `finish` the last one. A full segment is held until more data shows it is not the last.
 */
export class StreamEncryptor {
  readonly #seal: (segment: Uint8Array, last: boolean) => Uint8Array;
  readonly #pending: Uint8Array;
  #filled = 0;
  #finished = false;

  constructor(params: StreamParams) {
    const { aead, aad, prefix } = checked(params);
    let index = 0;
    this.#seal = (segment, last) => {
      if (index >= MAX_SEGMENTS) throw fail.validation('stream too long for 32-bit segment indexes');
      return aead.encrypt(streamSegmentNonce(prefix, index++, last), segment, aad);
    };
    this.#pending = new Uint8Array(params.segmentSize);
  }

  push(data: Uint8Array): Uint8Array[] {
    if (this.#finished) throw fail.validation('stream already finished');
    const out: Uint8Array[] = [];
    for (let at = 0; at < data.length; ) {
      if (this.#filled === this.#pending.length) {
        out.push(this.#seal(this.#pending, false));
        this.#filled = 0;
      }
      const take = Math.min(data.length - at, this.#pending.length - this.#filled);
      this.#pending.set(data.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
    }
    return out;
  }

  finish(): Uint8Array {
    if (this.#finished) throw fail.validation('stream already finished');
    this.#finished = true;
    const last = this.#seal(this.#pending.subarray(0, this.#filled), true);
    this.#pending.fill(0);
    return last;
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
