import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, ThreadPool } from '../../common/threads/index.ts';
import type { OpenColumnTask, OpenedColumn } from './columns.ts';

const THREAD_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'column-thread.ts');

/** Tasks each thread holds: one running while the next is posted. */
const PER_THREAD = 2;

/**
 * Worker threads, one per core, that decrypt and decode stored chunks' by-column copies: the
 * SM4-GCM opening of millions of rows is what reading a column costs, and on the gateway's
 * main thread it ran chunk after chunk while the cores had nothing else to do. The threads
 * start at the first column read, from a bundle of the opening code.
 */
export class ColumnThreads {
  #pool: ThreadPool<OpenColumnTask, OpenedColumn | null> | undefined;

  constructor(readonly threads = os.availableParallelism()) {}

  /** Tasks worth keeping in flight: more only wait in the pool. */
  get capacity(): number {
    return this.threads * PER_THREAD;
  }

  /** The field's values (null when the copy does not hold it); fails closed as `openColumns` does. */
  open(task: OpenColumnTask): Promise<OpenedColumn | null> {
    this.#pool ??= new ThreadPool({ name: 'column', source: bundle(THREAD_ENTRY, 'cjs').then((b) => b.code), threads: this.threads, perThread: PER_THREAD });
    return this.#pool.run(task);
  }

  async close(): Promise<void> {
    await this.#pool?.close();
  }
}

/**
 * `start(item)` for each item, at most `ahead` started and not yet yielded, each yielded with
 * its item in the items' order whichever finishes first. A failure is thrown when its turn
 * comes; those started after it are dropped unheard.
 */
export async function* inOrder<Item, Result>(items: AsyncIterable<Item>, ahead: number, start: (item: Item) => Promise<Result>): AsyncGenerator<[Item, Result]> {
  const started: [Item, Promise<Result>][] = [];
  const iterator = items[Symbol.asyncIterator]();
  let more = true;
  try {
    for (;;) {
      while (more && started.length < ahead) {
        const next = await iterator.next();
        if (next.done) more = false;
        else {
          const result = start(next.value);
          result.catch(() => undefined);
          started.push([next.value, result]);
        }
      }
      const oldest = started.shift();
      if (!oldest) return;
      yield [oldest[0], await oldest[1]];
    }
  } finally {
    if (more) await iterator.return?.();
  }
}
