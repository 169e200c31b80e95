import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import { TERMINAL, type JobView } from './jobs.ts';

const POLL_MS = 2000;

/** Changes to jobs seen by this gateway process: its own transitions and the queue's events. */
export class JobEvents {
  readonly #emitter = new EventEmitter().setMaxListeners(0);
  readonly #streams = new Set<() => void>();

  changed(jobId: string): void {
    this.#emitter.emit(jobId);
  }

  subscribe(jobId: string, listener: () => void): () => void {
    this.#emitter.on(jobId, listener);
    return () => this.#emitter.off(jobId, listener);
  }

  /** Streams end when the gateway stops; an open one would keep the server from closing. */
  endAll(): void {
    for (const end of [...this.#streams]) end();
  }

  /**
   * Server-sent events of the job view: the current one at once, then each change, until the
   * job is released or failed (or the client goes away). Views are computed one at a time so
   * the stream never goes back in time.
   */
  stream(reply: FastifyReply, jobId: string, view: () => Promise<JobView>): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    let open = true;
    let last = '';
    let chain = Promise.resolve();
    const end = () => {
      if (!open) return;
      open = false;
      unsubscribe();
      this.#streams.delete(end);
      clearInterval(heartbeat);
      clearInterval(poll);
      raw.end();
    };
    const send = () => {
      chain = chain
        .then(async () => {
          if (!open) return;
          const current = await view();
          const data = JSON.stringify(current);
          if (data !== last) raw.write(`data: ${data}\n\n`);
          last = data;
          if (TERMINAL.has(current.status)) end();
        })
        .catch(end);
    };
    const unsubscribe = this.subscribe(jobId, send);
    this.#streams.add(end);
    // A comment line now and then keeps proxies from cutting a stream that waits days for approvals.
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    // Another gateway on the same database may move the job (an approval, a release): look now and then.
    const poll = setInterval(send, POLL_MS);
    poll.unref();
    raw.on('close', end);
    send();
  }
}
