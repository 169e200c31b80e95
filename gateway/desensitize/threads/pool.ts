import { ThreadPool } from '../../../common/threads/index.ts';
import type { DesensitizeStats } from '../types.ts';
import { encodeBatch } from './batch-codec.ts';
import type { Job, JobResult, WorkerInit } from './protocol.ts';
import { isSealed, type RecordUnit } from './sealed.ts';

/**
 * A job's objects die within it, so a small young generation is enough: the default one held 30 MB
 * more per thread (an NDJSON run peaked at 236 MB RSS instead of 178 at 8 MB). 12 MB halves 8 MB's
 * scavenges in a 1M-row transfer (≈ 250 per thread) for ~0.2 s less; 16 MB took the gateway's
 * peak to 467–491 MB, too near its 512 MB budget.
 */
const YOUNG_GENERATION_MB = 12;

/**
 * The buffer under `bytes` when `bytes` is all of it, so it can move to a thread instead of being
 * copied (a database driver's row buffer is); none when it is a view into a larger or shared one.
 */
function ownBuffer(bytes: Uint8Array): ArrayBuffer[] {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength ? [buffer] : [];
}

/** A job in input order, with its outcome once it has one. */
interface Slot {
  bytes?: Uint8Array;
}

/**
 * Desensitize threads fed encoded batches in input order and read back in input order. At most
 * `perThread` jobs wait in each thread, so memory stays bounded by a few batches whatever the
 * input size, and the calling thread, which parses, never runs far ahead.
 */
export class BatchPool {
  readonly #pool: ThreadPool<Job, JobResult>;
  /** Each thread's latest running totals. */
  readonly #stats = new Map<number, DesensitizeStats>();
  /** Jobs sent and not yet yielded, oldest first. */
  readonly #slots: Slot[] = [];
  #inFlight = 0;
  #failure: unknown;
  #wake: (() => void) | undefined;

  constructor(source: string, count: number, init: WorkerInit, perThread: number) {
    this.#pool = new ThreadPool({ name: 'desensitize', source, threads: count, perThread, workerData: init, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
  }

  /** Texts of the transformed units, in order; sealed units are opened by the threads and their buffers moved to them. */
  async *run(units: AsyncIterable<RecordUnit>, columns: readonly string[]): AsyncGenerator<Uint8Array> {
    for await (const unit of units) {
      while (this.#inFlight >= this.#pool.capacity) {
        await this.#settled();
        yield* this.#inOrder();
      }
      if (isSealed(unit)) this.#send({ sealed: unit }, ownBuffer(unit.sealed));
      else {
        const batch = encodeBatch(unit, columns);
        this.#send({ batch }, [batch.lengths.buffer]);
      }
      yield* this.#inOrder();
    }
    for (;;) {
      yield* this.#inOrder();
      if (this.#slots.length === 0) return;
      await this.#settled();
    }
  }

  /** Each thread's latest running totals. */
  stats(): DesensitizeStats[] {
    return [...this.#stats.values()];
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  #send(job: Job, transfer: ArrayBuffer[]): void {
    const slot: Slot = {};
    this.#slots.push(slot);
    this.#inFlight++;
    this.#pool.run(job, transfer).then(
      (result) => {
        this.#stats.set(result.thread, result.stats);
        slot.bytes = result.bytes;
      },
      (error: unknown) => {
        this.#failure ??= error;
      },
    ).finally(() => {
      this.#inFlight--;
      this.#wake?.();
    });
  }

  /** Resolves when a job finishes; throws the first failure of any job. */
  async #settled(): Promise<void> {
    if (this.#failure === undefined) await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
    if (this.#failure !== undefined) throw this.#failure;
  }

  *#inOrder(): Generator<Uint8Array> {
    while (this.#slots[0]?.bytes !== undefined) yield this.#slots.shift()!.bytes!;
  }
}
