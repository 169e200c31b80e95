import { describe, expect, it } from 'vitest';
import { keysA } from '../../../test/support/desensitize.ts';
import { rejected } from '../../../test/support/errors.ts';
import { BatchPool } from './pool.ts';
import type { WorkerInit } from './protocol.ts';

const init: WorkerInit = { spec: { fields: {}, keys: keysA }, format: 'ndjson' };
const units = (n: number) => Array.from({ length: n }, (_, i) => [{ i }]);
const stats = '{ records: 0, nulled: {}, canaries: 0 }';

/** Runs the pool over `n` one-record units with a hand-written thread body (the `ThreadPool` protocol: `{ id, task }` in, `{ id, result | error }` out). */
async function collect(body: string, threads: number, n: number): Promise<string[]> {
  const pool = new BatchPool(`const { parentPort, threadId } = require('node:worker_threads');\n${body}`, threads, init, 2);
  const out: string[] = [];
  try {
    for await (const bytes of pool.run((async function* () { yield* units(n); })(), ['i'])) out.push(new TextDecoder().decode(bytes));
  } finally {
    await pool.close();
  }
  return out;
}

describe('BatchPool', () => {
  it('returns results in input order whatever order the threads finish in', async () => {
    const body = `parentPort.on('message', ({ id }) => setTimeout(() => parentPort.postMessage({ id, result: { bytes: new TextEncoder().encode(String(id)), thread: threadId, stats: ${stats} } }), Math.random() * 20));`;
    expect(await collect(body, 3, 40)).toEqual(units(40).map((_, i) => String(i)));
  });

  it("fails with a thread's own error, details included", async () => {
    const body = `parentPort.on('message', ({ id }) => parentPort.postMessage({ id, error: { code: 'VALIDATION_FAILED', message: 'bad', details: { line: 7 } } }));`;
    expect(await rejected(collect(body, 2, 10))).toMatchObject({ code: 'VALIDATION_FAILED', details: { line: 7 } });
  });

  it('fails, instead of waiting forever, when a thread dies', async () => {
    expect((await rejected(collect(`throw new Error('boom');`, 2, 10))).code).toBe('INTERNAL');
    expect((await rejected(collect(`parentPort.on('message', () => process.exit(3));`, 1, 10))).code).toBe('INTERNAL');
  });

  it('moves a sealed unit\'s own buffer to the thread, and copies one that is a view into a larger buffer', async () => {
    const body = `parentPort.on('message', ({ id, task }) => parentPort.postMessage({ id, result: { bytes: new TextEncoder().encode(String(task.sealed.sealed.length)), thread: threadId, stats: ${stats} } }));`;
    const pool = new BatchPool(`const { parentPort, threadId } = require('node:worker_threads');\n${body}`, 1, init, 2);
    const owned = new Uint8Array(1000);
    const larger = new Uint8Array(4096);
    const view = larger.subarray(96, 1096);
    const out: string[] = [];
    try {
      const units = [owned, view].map((sealed) => ({ sealed, aad: new Uint8Array(4), take: 1 }));
      for await (const bytes of pool.run((async function* () { yield* units; })(), ['i'])) out.push(new TextDecoder().decode(bytes));
    } finally {
      await pool.close();
    }
    expect(out).toEqual(['1000', '1000']);
    expect(owned.byteLength).toBe(0);
    expect(larger.byteLength).toBe(4096);
    expect(view.byteLength).toBe(1000);
  });
});
