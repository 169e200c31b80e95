import { Worker } from 'node:worker_threads';
import { SluiceError } from '../../../common/errors.ts';
import type { DesensitizeStats } from '../types.ts';
import { encodeBatch } from './batch-codec.ts';
import type { Job, JobResult, WorkerInit } from './protocol.ts';
import { isSealed, type RecordUnit } from './sealed.ts';

const YOUNG_GENERATION_MB = 8;

interface Thread {
  worker: Worker;
  busy: number;
  stats?: DesensitizeStats;
}

/**
 * Worker threads that transform encoded batches, fed in input order and read back in input
 * order. At most `perThread` jobs wait in each thread, so memory stays bounded by a few batches
 * whatever the input size, and the calling thread, which parses, never runs far ahead.
 */
export class ThreadPool {
  private readonly threads: Thread[];
  private readonly done = new Map<number, Uint8Array>();
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private sent = 0;
  private next = 0;

  constructor(
    source: string,
    count: number,
    init: WorkerInit,
    private readonly perThread: number,
  ) {
    this.threads = Array.from({ length: count }, () => this.start(source, init));
  }

  /** Texts of the transformed units, in order; sealed units are opened by the threads. */
  async *run(units: AsyncIterable<RecordUnit>, columns: readonly string[]): AsyncGenerator<Uint8Array> {
    for await (const unit of units) {
      let thread = this.idlest();
      while (thread.busy >= this.perThread) {
        await this.settled();
        yield* this.inOrder();
        thread = this.idlest();
      }
      thread.busy++;
      if (isSealed(unit)) {
        thread.worker.postMessage({ seq: this.sent++, sealed: unit } satisfies Job);
      } else {
        const batch = encodeBatch(unit, columns);
        thread.worker.postMessage({ seq: this.sent++, batch } satisfies Job, [batch.lengths.buffer]);
      }
      yield* this.inOrder();
    }
    for (;;) {
      yield* this.inOrder();
      if (this.next === this.sent) return;
      await this.settled();
    }
  }

  /** Each thread's latest running totals. */
  stats(): DesensitizeStats[] {
    return this.threads.flatMap((t) => (t.stats ? [t.stats] : []));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private start(source: string, init: WorkerInit): Thread {
    // A job's objects die within it: a small young generation is enough, and with the default
    // one each thread held 30 MB more (an NDJSON run peaked at 236 MB RSS instead of 178).
    const worker = new Worker(source, { eval: true, workerData: init, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const thread: Thread = { worker, busy: 0 };
    worker.on('message', (result: JobResult) => {
      thread.busy--;
      if ('error' in result) this.fail(new SluiceError(result.error.code, result.error.message, result.error.details));
      else {
        thread.stats = result.stats;
        this.done.set(result.seq, result.bytes);
      }
      this.wake?.();
    });
    worker.on('error', () => this.fail(new SluiceError('INTERNAL', 'a desensitize thread failed')));
    worker.on('exit', (code) => this.fail(new SluiceError('INTERNAL', `a desensitize thread exited (${code})`)));
    return thread;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake?.();
  }

  private idlest(): Thread {
    return this.threads.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  /** Resolves when a job finishes; throws the first failure of any thread. */
  private async settled(): Promise<void> {
    if (this.failure === undefined) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    if (this.failure !== undefined) throw this.failure;
  }

  private *inOrder(): Generator<Uint8Array> {
    for (let bytes = this.done.get(this.next); bytes !== undefined; bytes = this.done.get(this.next)) {
      this.done.delete(this.next++);
      yield bytes;
    }
  }
}
