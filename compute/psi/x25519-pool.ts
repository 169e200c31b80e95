import { createPrivateKey, type KeyObject } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { SluiceError } from '../../common/index.ts';
import { WORKER_SOURCE } from './worker-source.ts';

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

interface Thread {
  worker: Worker;
  tasks: Map<number, { running: Running; start: number; end: number }>;
}

/**
 * The threads of ECDH-PSI, one per core, shared by every exchange of a process. Batches queue
 * in arrival order and their tasks (a thousand items, ~50 ms) go to whichever thread is free,
 * so both cores stay busy to the end of a batch and across batches that run together.
 */
export class X25519Pool {
  private readonly threads: Thread[];
  private readonly queue: Running[] = [];
  private sequence = 0;

  constructor(threads = Math.max(1, os.availableParallelism())) {
    this.threads = Array.from({ length: threads }, () => this.spawn());
  }

  get size(): number {
    return this.threads.length;
  }

  /** Fills `batch.output`; a task that fails (an invalid point) fails the batch and drops its queued tasks. */
  run(batch: Batch): Promise<void> {
    return new Promise((resolve, reject) => {
      const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, batch.scalar]), format: 'der', type: 'pkcs8' });
      const running: Running = { batch, key, next: 0, inFlight: 0, exhausted: false, settled: false, resolve, reject };
      const abandon = () => this.fail(running, new SluiceError('INTERNAL', 'the PSI batch was abandoned'));
      if (batch.signal?.aborted) return abandon();
      batch.signal?.addEventListener('abort', abandon, { once: true });
      this.queue.push(running);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private spawn(): Thread {
    const thread: Thread = { worker: new Worker(WORKER_SOURCE, { eval: true }), tasks: new Map() };
    thread.worker.on('message', ({ id, output, failed }: { id: number; output?: ArrayBuffer; failed?: boolean }) => {
      const task = thread.tasks.get(id);
      if (!task) return;
      thread.tasks.delete(id);
      const { running, start, end } = task;
      running.inFlight--;
      if (failed || !output) {
        this.fail(running, new SluiceError('VALIDATION_FAILED', 'a PSI message holds an invalid point'));
      } else if (!running.settled) {
        running.batch.output.set(new Uint8Array(output), start * running.batch.outBytes);
        running.batch.landed?.(start, end);
        this.settleIfDone(running);
      }
      this.dispatch();
    });
    // A crashed thread never answers: fail what it held rather than hang, and replace it.
    thread.worker.on('error', () => {
      for (const { running } of thread.tasks.values()) this.fail(running, new SluiceError('INTERNAL', 'a PSI thread failed'));
      const index = this.threads.indexOf(thread);
      if (index >= 0) this.threads[index] = this.spawn();
      this.dispatch();
    });
    return thread;
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      while (thread.tasks.size < QUEUED_PER_THREAD) {
        const running = this.queue[0];
        if (!running) return;
        const step = running.batch.inputs.next();
        if (step.done) {
          this.queue.shift();
          running.exhausted = true;
          this.settleIfDone(running);
          continue;
        }
        const { input, items } = step.value;
        const id = this.sequence++;
        thread.tasks.set(id, { running, start: running.next, end: running.next + items });
        running.next += items;
        running.inFlight++;
        const { op, domain, outBytes } = running.batch;
        thread.worker.postMessage({ id, op, key: running.key, domain, input, outBytes }, [input]);
      }
    }
  }

  private settleIfDone(running: Running): void {
    if (running.settled || !running.exhausted || running.inFlight > 0) return;
    running.settled = true;
    running.resolve();
  }

  private fail(running: Running, error: Error): void {
    if (running.settled) return;
    running.settled = true;
    const index = this.queue.indexOf(running);
    if (index >= 0) this.queue.splice(index, 1);
    running.reject(error);
  }
}
