import { parentPort, type Transferable } from 'node:worker_threads';
import { isSluiceError } from '../errors.ts';
import type { ReplyMessage, TaskMessage } from './pool.ts';

/**
 * The thread side of `ThreadPool`: answers each task with `work`'s result, moving the buffers
 * `transfer` names. Only our own errors cross back whole, their messages written never to hold
 * values; any other error (whose message might) crosses as a bare INTERNAL.
 */
export function serveTasks<Task, Result>(work: (task: Task) => Result | Promise<Result>, transfer?: (result: Result) => readonly Transferable[]): void {
  const port = parentPort!;
  port.on('message', async ({ id, task }: TaskMessage<Task>) => {
    let result: Result;
    try {
      result = await work(task);
    } catch (error) {
      const reply: ReplyMessage<Result> = isSluiceError(error)
        ? { id, error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } }
        : { id, error: { code: 'INTERNAL', message: 'a task failed in its thread' } };
      port.postMessage(reply);
      return;
    }
    port.postMessage({ id, result } satisfies ReplyMessage<Result>, transfer?.(result) ?? []);
  });
}
