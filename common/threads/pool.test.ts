import { describe, expect, it } from 'vitest';
import { ThreadPool } from './pool.ts';

/** A thread body speaking the pool's protocol: `{ id, task }` in, `{ id, result | error }` out. */
const thread = (body: string) => `const { parentPort } = require('node:worker_threads');\n${body}`;

describe('ThreadPool', () => {
  it('runs tasks on its threads, at most `perThread` at a time on each, the rest waiting in order', async () => {
    const source = thread(`let held = 0; parentPort.on('message', ({ id, task }) => { held++; const most = held; setTimeout(() => { held--; parentPort.postMessage({ id, result: { task, most } }); }, 5); });`);
    const pool = new ThreadPool<number, { task: number; most: number }>({ name: 'test', source, threads: 2, perThread: 2 });
    try {
      expect(pool.capacity).toBe(4);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run(i)));
      expect(results.map((r) => r.task)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(Math.max(...results.map((r) => r.most))).toBeLessThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });

  it('replaces a thread that died after it had worked, failing only the task it held', async () => {
    const source = thread(`parentPort.on('message', ({ id, task }) => { if (task === 'die') process.exit(1); parentPort.postMessage({ id, result: task }); });`);
    const pool = new ThreadPool<string, string>({ name: 'test', source, threads: 1 });
    try {
      expect(await pool.run('a')).toBe('a');
      await expect(pool.run('die')).rejects.toMatchObject({ code: 'INTERNAL', message: 'a test thread failed' });
      expect(await pool.run('b')).toBe('b');
    } finally {
      await pool.close();
    }
  });

  it('fails every task, instead of waiting forever, when no thread can start', async () => {
    const pool = new ThreadPool<number, number>({ name: 'test', source: thread(`throw new Error('boom');`), threads: 2 });
    try {
      const runs = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => pool.run(i)));
      expect(runs.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code)).toEqual(new Array(5).fill('INTERNAL'));
      await expect(pool.run(9)).rejects.toMatchObject({ code: 'INTERNAL', message: 'no test thread left' });
    } finally {
      await pool.close();
    }
    const unbuilt = new ThreadPool<number, number>({ name: 'test', source: Promise.reject(new Error('no esbuild')), threads: 1 });
    await expect(unbuilt.run(1)).rejects.toMatchObject({ code: 'INTERNAL', message: 'the test threads could not start' });
    await unbuilt.close();
  });
});
