import type { FastifyReply } from 'fastify';
import type { TransferView } from './schemas.ts';

/** How often a stream looks at the database: progress is written there by whichever gateway runs the transfer. */
const POLL_MS = 250;
const KEEP_ALIVE_MS = 15_000;

/** Open event streams, ended when the gateway stops (an open one would keep the server from closing). */
export class TransferEvents {
  readonly #streams = new Set<() => void>();

  endAll(): void {
    for (const end of [...this.#streams]) end();
  }

  /** Server-sent events of the transfer view: now, then on every change, until completed or failed. */
  stream(reply: FastifyReply, view: () => Promise<TransferView>): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    let last = '';
    let timer: NodeJS.Timeout | undefined;
    let open = true;
    const end = () => {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      clearInterval(keepAlive);
      this.#streams.delete(end);
      raw.end();
    };
    const poll = async () => {
      const current = await view();
      const data = JSON.stringify(current);
      if (open && data !== last) raw.write(`data: ${data}\n\n`);
      last = data;
      if (current.status !== 'running') end();
      else if (open) timer = setTimeout(() => void poll().catch(end), POLL_MS);
    };
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    keepAlive.unref();
    this.#streams.add(end);
    raw.on('close', end);
    void poll().catch(end);
  }
}
