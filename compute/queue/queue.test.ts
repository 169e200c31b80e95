import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../../common/index.ts';
import { backendAvailable } from '../../test/support/backends.ts';
import { repoRoot } from '../../test/support/files.ts';
import { redisInstalled, startRedis, type RedisServer } from '../../test/support/redis.ts';
import { createJobQueue, type JobQueue } from './index.ts';

function waitFor<T>(register: (resolve: (value: T) => void) => void, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a queue event')), timeoutMs);
    register((value) => (clearTimeout(timer), resolve(value)));
  });
}

function suite(name: string, redisUrl: () => string | undefined) {
  describe(name, () => {
    let dataDir: string;
    const opened: JobQueue<any, any>[] = [];
    let counter = 0;
    const open = async <P, R>(leaseMs = 1000) => {
      const queue = await createJobQueue<P, R>({ dataDir, redisUrl: redisUrl(), name: `q${++counter}-${Date.now()}`, leaseMs, pollMs: 50 });
      opened.push(queue);
      return queue;
    };
    beforeAll(() => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-queue-'));
    });
    afterAll(async () => {
      await Promise.all(opened.map((q) => q.close()));
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('runs a job once per id, reporting progress and the result', async () => {
      const queue = await open<{ x: number }, { doubled: number }>();
      const progress: number[] = [];
      queue.onProgress((id, p) => id === 'job-1' && progress.push(p));
      const completed = waitFor<{ doubled: number }>((resolve) => queue.onCompleted((id, r) => id === 'job-1' && resolve(r)));
      await queue.add('job-1', { x: 21 });
      await queue.add('job-1', { x: 99 });
      let runs = 0;
      queue.process(async (job) => {
        runs++;
        await job.progress(0.5);
        return { doubled: job.payload.x * 2 };
      }, { concurrency: 2 });
      expect(await completed).toEqual({ doubled: 42 });
      expect(runs).toBe(1);
      expect(await queue.get('job-1')).toMatchObject({ status: 'completed', progress: 1, attempts: 1, result: { doubled: 42 } });
      await new Promise((r) => setTimeout(r, 300));
      expect(progress).toContain(0.5);
      expect(await queue.get('missing')).toBeUndefined();
    });

    it('retries transient failures with backoff and fails permanent ones at once', async () => {
      const queue = await open<string, string>();
      const attempts = new Map<string, number[]>();
      queue.process(async (job) => {
        attempts.set(job.id, [...(attempts.get(job.id) ?? []), Date.now()]);
        if (job.payload === 'flaky' && job.attempt < 3) throw new Error('secret-value-123');
        if (job.payload === 'bad') throw new SluiceError('VALIDATION_FAILED', 'bad input');
        return 'ok';
      }, { concurrency: 1 });
      const failed = waitFor<[string, string]>((resolve) => queue.onFailed((id, error) => resolve([id, error])));
      const completed = waitFor<string>((resolve) => queue.onCompleted((id) => id === 'flaky' && resolve(id)));
      await queue.add('flaky', 'flaky', { attempts: 3, backoffMs: 100 });
      await queue.add('bad', 'bad', { attempts: 3, backoffMs: 100 });
      expect(await failed).toEqual(['bad', 'VALIDATION_FAILED: bad input']);
      await completed;
      const times = attempts.get('flaky')!;
      expect(times).toHaveLength(3);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(150);
      expect(attempts.get('bad')).toHaveLength(1);
      const info = await queue.get('flaky');
      expect(info).toMatchObject({ status: 'completed', attempts: 3 });
      expect(JSON.stringify(info)).not.toContain('secret-value-123');
    });

    it('fails a job for good when its attempts are used up', async () => {
      const queue = await open<null, null>();
      const failed = waitFor<string>((resolve) => queue.onFailed((_id, error) => resolve(error)));
      queue.process(async () => {
        throw new Error('boom');
      }, { concurrency: 1 });
      await queue.add('doomed', null, { attempts: 2, backoffMs: 50 });
      expect(await failed).toBe('INTERNAL: job failed');
      expect(await queue.get('doomed')).toMatchObject({ status: 'failed', attempts: 2 });
    });

    it('re-runs the job of a SIGKILLed worker process elsewhere once its lease lapses', async () => {
      const name = `kill-${Date.now()}`;
      const queue = await createJobQueue<string, string>({ dataDir, redisUrl: redisUrl(), name: 'sluice-compute', leaseMs: 1000, pollMs: 50 });
      opened.push(queue);
      await queue.add(name, 'payload', { attempts: 3 });
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/support/processes/hanging-queue-worker.ts'), dataDir, redisUrl() ?? ''], { stdio: ['ignore', 'pipe', 'inherit'] });
      await waitFor<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes(`claimed ${name}`) && resolve()), 30_000);
      expect(await queue.get(name)).toMatchObject({ status: 'active' });
      child.kill('SIGKILL');
      const completed = waitFor<string>((resolve) => queue.onCompleted((id, r) => id === name && resolve(r)), 30_000);
      queue.process(async (job) => `done ${job.payload} on attempt ${job.attempt}`, { concurrency: 1 });
      expect(await completed).toBe('done payload on attempt 2');
    });
  });
}

suite('embedded queue (SQLite)', () => undefined);

describe.runIf(backendAvailable('redis', redisInstalled()))('Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());
  suite('BullMQ queue', () => redis.url);
});
