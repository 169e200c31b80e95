import { createPrivateKey, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../../common/errors.ts';
import { bundle, ThreadPool } from '../../common/threads/index.ts';
import type { X25519Task } from './x25519-thread.ts';

const THREAD_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'x25519-thread.ts');

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * Tasks a thread holds at once: the second waits in its port while the first runs, so a thread
 * never idles while the main thread is busy between messages (deduplicating, shuffling,
 * comparing).
 */
const QUEUED_PER_THREAD = 2;

export interface TaskInput {
  input: ArrayBuffer;
  /** How many results the task yields. */
  items: number;
}

/** One operation over many items under one scalar, cut into tasks that threads take as they free up. */
export interface Batch {
  op: 'hash' | 'mult';
  scalar: Uint8Array;
  /** Prefix of every hashed element (`hash` only). */
  domain: Uint8Array;
  /** Leading bytes kept of each 32-byte X25519 result. */
  outBytes: number;
  /** Receives every task's results, in input order: `outBytes` per item. */
  output: Uint8Array;
  /** Task inputs in order, made only when a thread can take them, so memory stays bounded. */
  inputs: Iterator<TaskInput>;
  /** Called on the main thread as results of items [start, end) land, for work that can start early. */
  landed?: (start: number, end: number) => void;
  /** Aborting drops the batch's queued tasks and rejects it. */
  signal?: AbortSignal;
}

interface Running {
  batch: Batch;
  key: KeyObject;
  /** Item index where the next task starts. */
  next: number;
  inFlight: number;
  exhausted: boolean;
  settled: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The threads of ECDH-PSI, one per core, shared by every exchange of a process. Batches queue
 * in arrival order and their tasks (a thousand items, ~50 ms) are cut only when a thread can
 * take one, so memory stays bounded, both cores stay busy to the end of a batch and across
 * batches that run together.
 */
export class X25519Pool {
  readonly #threads: ThreadPool<X25519Task, ArrayBuffer>;
  readonly #queue: Running[] = [];
  /** Tasks handed to the threads and not yet answered, over all batches. */
  #inFlight = 0;

  /** Threads start from a bundle of x25519-thread.ts; batches run before they are up wait for them. */
  constructor(threads?: number) {
    this.#threads = new ThreadPool({ name: 'PSI', source: bundle(THREAD_ENTRY, 'cjs').then((b) => b.code), ...(threads === undefined ? {} : { threads }), perThread: QUEUED_PER_THREAD });
  }

  get size(): number {
    return this.#threads.size;
  }

  /** Fills `batch.output`; a task that fails (an invalid point) fails the batch and drops its queued tasks. */
  run(batch: Batch): Promise<void> {
    return new Promise((resolve, reject) => {
      const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, batch.scalar]), format: 'der', type: 'pkcs8' });
      const running: Running = { batch, key, next: 0, inFlight: 0, exhausted: false, settled: false, resolve, reject };
      const abandon = () => this.#fail(running, new SluiceError('INTERNAL', 'the PSI batch was abandoned'));
      if (batch.signal?.aborted) return abandon();
      batch.signal?.addEventListener('abort', abandon, { once: true });
      this.#queue.push(running);
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    await this.#threads.close();
  }

  /** Cuts the next tasks of the oldest batch for as long as a thread can take one. */
  #dispatch(): void {
    while (this.#inFlight < this.#threads.capacity) {
      const running = this.#queue[0];
      if (!running) return;
      const step = running.batch.inputs.next();
      if (step.done) {
        this.#queue.shift();
        running.exhausted = true;
        this.#settleIfDone(running);
        continue;
      }
      const { input, items } = step.value;
      const start = running.next;
      running.next += items;
      running.inFlight++;
      this.#inFlight++;
      const { op, domain, outBytes } = running.batch;
      this.#threads.run({ op, key: running.key, domain, input, outBytes }, [input]).then(
        (output) => {
          running.inFlight--;
          this.#inFlight--;
          if (!running.settled) {
            running.batch.output.set(new Uint8Array(output), start * outBytes);
            running.batch.landed?.(start, start + items);
            this.#settleIfDone(running);
          }
          this.#dispatch();
        },
        (error: Error) => {
          running.inFlight--;
          this.#inFlight--;
          this.#fail(running, error);
          this.#dispatch();
        },
      );
    }
  }

  #settleIfDone(running: Running): void {
    if (running.settled || !running.exhausted || running.inFlight > 0) return;
    running.settled = true;
    running.resolve();
  }

  #fail(running: Running, error: Error): void {
    if (running.settled) return;
    running.settled = true;
    const index = this.#queue.indexOf(running);
    if (index >= 0) this.#queue.splice(index, 1);
    running.reject(error);
  }
}
