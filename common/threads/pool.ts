import os from 'node:os';
import { Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';
import { SluiceError, type ErrorCode, type ErrorDetails } from '../errors.ts';

/** What the pool posts to a thread. */
export interface TaskMessage<Task> {
  id: number;
  task: Task;
}

/** What a thread answers (`serveTasks`): the result, or an error that is ours to show. */
export type ReplyMessage<Result> = { id: number; result: Result } | { id: number; error: { code: ErrorCode; message: string; details?: ErrorDetails } };

export interface ThreadPoolOptions {
  /** What the threads are called in errors: "a PSI thread failed". */
  name: string;
  /** The threads' code as CommonJS source (`bundle`); threads start once it is there. */
  source: string | Promise<string>;
  /** Default: one per core. */
  threads?: number;
  /** Tasks a thread holds at once: more than one keeps it busy while its next task is posted. */
  perThread?: number;
  workerData?: unknown;
  resourceLimits?: ResourceLimits;
}

/** How a task's caller hears back. */
interface Settle<Result> {
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

/** A task waiting for a thread. */
interface Waiting<Result> extends Settle<Result> {
  id: number;
  message: unknown;
  transfer: readonly Transferable[];
}

interface Thread<Result> {
  worker: Worker;
  /** The tasks it was given, by id: only how to settle them, so a posted task's data is not kept here. */
  held: Map<number, Settle<Result>>;
  /** Answered at least once: it starts, so it is worth replacing if it dies. */
  proven: boolean;
}

/**
 * Worker threads running one kind of task (`serveTasks` on the thread side). Tasks go to the
 * thread holding the fewest, up to `perThread` each, and wait in arrival order beyond that. A
 * thread that dies fails the tasks it held, never hangs them; it is replaced if it had been
 * working, and once no thread is left every waiting task fails too.
 */
export class ThreadPool<Task, Result> {
  readonly size: number;
  readonly #options: ThreadPoolOptions;
  readonly #perThread: number;
  readonly #threads: Thread<Result>[] = [];
  readonly #queue: Waiting<Result>[] = [];
  #sequence = 0;
  #lost: Error | undefined;
  #closing = false;
  readonly #started: Promise<void>;

  constructor(options: ThreadPoolOptions) {
    this.#options = options;
    this.size = Math.max(1, options.threads ?? os.availableParallelism());
    this.#perThread = options.perThread ?? 1;
    this.#started = Promise.resolve(options.source).then(
      (source) => {
        if (this.#closing) return;
        for (let i = 0; i < this.size; i++) this.#threads.push(this.#spawn(source));
        this.#dispatch();
      },
      (error: unknown) => this.#loseAll(new SluiceError('INTERNAL', `the ${options.name} threads could not start`, undefined, { cause: error })),
    );
  }

  /** Tasks the threads hold at once when all are busy; more wait in the pool. */
  get capacity(): number {
    return this.size * this.#perThread;
  }

  /** Runs one task on a thread; `transfer` lists buffers of the task that move instead of being copied. */
  run(task: Task, transfer: readonly Transferable[] = []): Promise<Result> {
    if (this.#lost) return Promise.reject(this.#lost);
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#sequence++, message: task, transfer, resolve, reject });
      this.#dispatch();
    });
  }

  /** Stops the threads; tasks still held or waiting fail. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#started;
    await Promise.all(this.#threads.map((t) => t.worker.terminate()));
    const stopped = new SluiceError('INTERNAL', `the ${this.#options.name} threads were stopped`);
    for (const t of this.#threads) for (const pending of t.held.values()) pending.reject(stopped);
    this.#loseAll(stopped);
  }

  #spawn(source: string): Thread<Result> {
    const { workerData, resourceLimits } = this.#options;
    const worker = new Worker(source, { eval: true, ...(workerData === undefined ? {} : { workerData }), ...(resourceLimits ? { resourceLimits } : {}) });
    const thread: Thread<Result> = { worker, held: new Map(), proven: false };
    worker.on('message', (reply: ReplyMessage<Result>) => {
      const pending = thread.held.get(reply.id);
      if (!pending) return;
      thread.held.delete(reply.id);
      thread.proven = true;
      if ('error' in reply) pending.reject(new SluiceError(reply.error.code, reply.error.message, reply.error.details));
      else pending.resolve(reply.result);
      this.#dispatch();
    });
    // An uncaught error is followed by `exit`, where the thread is dealt with.
    worker.on('error', () => undefined);
    worker.on('exit', () => this.#died(thread, source));
    return thread;
  }

  #died(thread: Thread<Result>, source: string): void {
    const index = this.#threads.indexOf(thread);
    if (index < 0 || this.#closing) return;
    const failed = new SluiceError('INTERNAL', `a ${this.#options.name} thread failed`);
    for (const pending of thread.held.values()) pending.reject(failed);
    thread.held.clear();
    if (thread.proven) this.#threads[index] = this.#spawn(source);
    else this.#threads.splice(index, 1);
    if (this.#threads.length === 0) this.#loseAll(new SluiceError('INTERNAL', `no ${this.#options.name} thread left`));
    else this.#dispatch();
  }

  #loseAll(error: Error): void {
    this.#lost = error;
    for (const pending of this.#queue.splice(0)) pending.reject(error);
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let idlest: Thread<Result> | undefined;
      for (const t of this.#threads) if (t.held.size < this.#perThread && (!idlest || t.held.size < idlest.held.size)) idlest = t;
      if (!idlest) return;
      const { id, message, transfer, resolve, reject } = this.#queue.shift()!;
      idlest.held.set(id, { resolve, reject });
      idlest.worker.postMessage({ id, task: message } satisfies TaskMessage<unknown>, transfer);
    }
  }
}
