import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/index.ts';
import { SERVICE, WORKER, startHeKms } from '../../test/support/he-keysets.ts';
import { backendAvailable } from '../../test/support/backends.ts';
import { redisInstalled, startRedis, type RedisServer } from '../../test/support/redis.ts';
import { computeStore, createComputeQueue, encryptColumn, evaluate, startComputeWorker } from '../index.ts';
import type { SandboxLaunch } from './sandbox.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
type Kms = Awaited<ReturnType<typeof startHeKms>>;

function column(n: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: n }, () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) % 2_000_001) - 1_000_000);
}

async function kmsCall(kms: Kms, method: 'GET' | 'POST', url: string, body?: object) {
  const response = await fetch(kms.url + url, {
    method,
    headers: { authorization: `Bearer ${SERVICE}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** The gateway's part: a key set from the KMS, each owner's column encrypted into the store. */
async function prepareJob(kms: Kms, dataDir: string, jobId: string, columns: number[][]) {
  const created = await kmsCall(kms, 'POST', '/v1/he/keysets', { jobId, scheme: 'bfv', minGroupSize: 1 });
  const publicKey = Buffer.from(created.body.publicKey, 'base64');
  const store = computeStore(dataDir);
  const encrypted = await Promise.all(columns.map((c) => encryptColumn(publicKey, c, { operation: 'sum' })));
  for (const [i, bytes] of encrypted.entries()) await store.putInput(jobId, `owner-${i}`, bytes);
  const expected = await evaluate({ operation: 'sum' }, encrypted, { publicKey });
  return { keysetId: created.body.keysetId as string, inputs: columns.map((_, i) => `owner-${i}`), encrypted, expected };
}

async function release(kms: Kms, keysetId: string, result: Uint8Array) {
  await kmsCall(kms, 'POST', `/v1/he/keysets/${keysetId}/release`, { approvals: ['owner-0'] });
  return kmsCall(kms, 'POST', `/v1/he/keysets/${keysetId}/decrypt`, { ciphertext: Buffer.from(result).toString('base64') });
}

describe('compute worker', () => {
  let kms: Kms;
  let dataDir: string;
  beforeAll(async () => {
    kms = await startHeKms(false, true);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-worker-'));
  });
  afterAll(async () => {
    await kms?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('never hands the job child secret key material or the service token', async () => {
    const columns = [column(9000, 1), column(5000, 2), [0, -1, 1]];
    const job = await prepareJob(kms, dataDir, 'job-canary', columns);
    // The canary is the job's real secret key, opened from the KMS store: any 48-byte window
    // of its serialized key data appearing anywhere the child can see is a failure.
    const secret = Buffer.from(await kms.secretKeyOf(job.keysetId));
    const windows = [0.25, 0.5, 0.75].map((f) => secret.subarray(Math.floor(secret.length * f), Math.floor(secret.length * f) + 48));
    const seen: { launch?: SandboxLaunch; files: Buffer[]; messages: string[] } = { files: [], messages: [] };
    const worker = await startComputeWorker({
      dataDir,
      kmsUrl: kms.url,
      workerToken: WORKER,
      logger: createLogger('worker-test', 'silent'),
      run: async (child, timeoutMs, onProgress) => {
        seen.launch = child.launch;
        for (const file of fs.readdirSync(child.launch.scratchDir, { recursive: true, withFileTypes: true })) {
          if (file.isFile()) seen.files.push(fs.readFileSync(path.join(file.parentPath, file.name)));
        }
        return child.run(timeoutMs, (p) => (seen.messages.push(String(p)), onProgress(p)));
      },
    });
    const queue = await createComputeQueue({ dataDir });
    try {
      const done = new Promise<{ digest: string }>((resolve) => queue.onCompleted((id, r) => id === 'job-canary' && resolve(r)));
      await queue.add('job-canary', { jobId: 'job-canary', keysetId: job.keysetId, operation: 'sum', inputs: job.inputs });
      await done;
    } finally {
      await worker.close();
      await queue.close();
    }
    const launch = seen.launch!;
    expect(launch.env).toEqual({});
    expect(seen.files.length).toBe(columns.length + 2);
    const everything = [Buffer.from(JSON.stringify(launch)), ...seen.files, Buffer.from(seen.messages.join('\n'))];
    for (const blob of everything) {
      for (const w of windows) expect(blob.indexOf(w)).toBe(-1);
      expect(blob.indexOf(SERVICE)).toBe(-1);
      expect(blob.indexOf(secret.toString('base64').slice(100, 160))).toBe(-1);
    }
    const stored = (await computeStore(dataDir).readResult('job-canary'))!;
    expect(Buffer.from(stored).equals(Buffer.from(job.expected))).toBe(true);
    const decrypted = await release(kms, job.keysetId, stored);
    expect(decrypted.body).toEqual({ operation: 'sum', value: columns.flat().reduce((a, b) => a + b, 0), n: 14003 });
  });

  it('fails a job at once when the evaluator refuses its inputs, and retries one that timed out', async () => {
    const a = await prepareJob(kms, dataDir, 'job-mixed', [[1, 2, 3]]);
    const b = await prepareJob(kms, dataDir, 'job-other-key', [[4, 5, 6]]);
    // An input encrypted under another job's key: the child refuses it with VALIDATION_FAILED.
    await computeStore(dataDir).putInput('job-mixed', 'foreign', b.encrypted[0]!);
    const attempts = new Map<string, number>();
    const worker = await startComputeWorker({
      dataDir,
      kmsUrl: kms.url,
      workerToken: WORKER,
      logger: createLogger('worker-test', 'silent'),
      run: (child, timeoutMs, onProgress, job) => {
        attempts.set(job, (attempts.get(job) ?? 0) + 1);
        return child.run(job === 'job-slow' ? 1 : timeoutMs, onProgress);
      },
    });
    const queue = await createComputeQueue({ dataDir });
    try {
      const failures = new Map<string, string>();
      const failed = new Promise<void>((resolve) =>
        queue.onFailed((id, error) => {
          failures.set(id, error);
          if (failures.size === 2) resolve();
        }),
      );
      const slow = await prepareJob(kms, dataDir, 'job-slow', [[7, 8, 9]]);
      await queue.add('job-mixed', { jobId: 'job-mixed', keysetId: a.keysetId, operation: 'sum', inputs: [...a.inputs, 'foreign'] }, { attempts: 3 });
      await queue.add('job-slow', { jobId: 'job-slow', keysetId: slow.keysetId, operation: 'sum', inputs: slow.inputs }, { attempts: 2, backoffMs: 10 });
      await failed;
      expect(failures.get('job-mixed')).toBe('VALIDATION_FAILED: the evaluator refused the job inputs');
      expect(failures.get('job-slow')).toBe('INTERNAL: the compute job exceeded its time limit');
      expect(attempts.get('job-mixed')).toBe(1);
      expect(attempts.get('job-slow')).toBe(2);
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('a worker SIGKILLed mid-job is replaced and the job finishes with the same result (embedded queue)', () => killScenario(kms, dataDir, undefined));

  describe.runIf(backendAvailable('redis', redisInstalled()))('on Redis', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis?.stop());
    it('a worker SIGKILLed mid-job is replaced and the job finishes with the same result (BullMQ)', () => killScenario(kms, dataDir, redis.url));
  });

  it('refuses to start with the KMS service token in its environment', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'main.ts')], {
      env: { PATH: process.env.PATH, SLUICE_DATA_DIR: dataDir, SLUICE_KMS_TOKEN: SERVICE, SLUICE_KMS_WORKER_TOKEN: WORKER, SLUICE_LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
  });

});

/** The gateway's worker is SIGKILLed while its sandboxed child evaluates; a new one finishes the job. */
async function killScenario(kms: Kms, dataDir: string, redisUrl: string | undefined) {
  const columns = [column(200_000, 3), column(200_000, 4), column(200_000, 5)];
  const jobId = `job-kill-${redisUrl ? 'redis' : 'embedded'}`;
  const job = await prepareJob(kms, dataDir, jobId, columns);
  const env = { PATH: process.env.PATH, SLUICE_DATA_DIR: dataDir, SLUICE_KMS_URL: kms.url, SLUICE_KMS_WORKER_TOKEN: WORKER, SLUICE_COMPUTE_LEASE_MS: '1000', SLUICE_LOG_LEVEL: 'silent', ...(redisUrl ? { SLUICE_REDIS_URL: redisUrl } : {}) };
  const startWorker = () => spawn(process.execPath, ['--import', 'tsx', path.join(here, 'main.ts')], { env, stdio: 'ignore' });
  const queue = await createComputeQueue({ dataDir, redisUrl });
  const scratch = path.join(dataDir, 'compute', 'scratch');
  let second: ChildProcess | undefined;
  // Scratch directories a killed worker left behind (an earlier scenario's) are not this job's.
  const earlier = new Set(fs.existsSync(scratch) ? fs.readdirSync(scratch) : []);
  try {
    const first = startWorker();
    await queue.add(jobId, { jobId, keysetId: job.keysetId, operation: 'sum', inputs: job.inputs });
    // Killed once the sandboxed child has its inputs: the worker is mid-job.
    const deadline = Date.now() + 60_000;
    while (!(fs.existsSync(scratch) && fs.readdirSync(scratch).some((d) => !earlier.has(d) && fs.existsSync(path.join(scratch, d, 'job.json'))))) {
      if (Date.now() > deadline) throw new Error('the worker never started the job');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.on('exit', resolve));
    expect((await queue.get(jobId))?.status).toBe('active');
    const done = new Promise<{ digest: string }>((resolve) => queue.onCompleted((id, r) => id === jobId && resolve(r)));
    second = startWorker();
    await done;
    expect((await queue.get(jobId))?.attempts).toBe(2);
  } finally {
    second?.kill('SIGTERM');
    await queue.close();
  }
  const stored = (await computeStore(dataDir).readResult(jobId))!;
  expect(Buffer.from(stored).equals(Buffer.from(job.expected))).toBe(true);
  const decrypted = await release(kms, job.keysetId, stored);
  expect(decrypted.body.value).toBe(columns.flat().reduce((a, b) => a + b, 0));
}
