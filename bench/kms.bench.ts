import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomToken, seal } from '../crypto/index.ts';
import { KmsClient, startKmsServer } from '../kms/index.ts';
import type { BenchResult } from './types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DURATION_MS = 3000;
const CONCURRENCY = 16;

/** Operations per second of `op` run by `concurrency` loops for `durationMs`, after a warm-up. */
async function throughput(op: () => Promise<unknown>, concurrency = CONCURRENCY, durationMs = DURATION_MS): Promise<number> {
  for (let i = 0; i < 200; i++) await op();
  let count = 0;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await op();
        count++;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** Synchronous operations per second, for the baseline. */
function rate(op: () => unknown, durationMs = 1000): number {
  for (let i = 0; i < 1000; i++) op();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    for (let i = 0; i < 100; i++) op();
    count += 100;
  }
  return count / ((performance.now() - started) / 1000);
}

const created: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kms-bench-'));
  created.push(dir);
  return dir;
}

/** The real KMS process on an ephemeral port, read from its "KMS listening" log line. */
async function spawnKms(env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'kms/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, SLUICE_KMS_PORT: '0', SLUICE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.once('exit', (code) => reject(new Error(`KMS exited with ${code}`)));
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.includes('"KMS listening"'));
      if (line === undefined) return;
      // From here on the request logs are only drained, never kept.
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve((JSON.parse(line) as { port: number }).port);
    };
    child.stdout.on('data', onData);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function run(): Promise<BenchResult[]> {
  const token = randomToken('kms_');
  const env = { SLUICE_KMS_TOKEN: token, SLUICE_KMS_RATE_LIMIT: '100000000', SLUICE_LOG_LEVEL: 'warn' };
  const context = { datasetId: 'ds_0123456789abcdef0123456789abcdef', purpose: 'transfer' };

  // Baseline: the AEAD work inside one data-key request — wrapping 16 fresh bytes under an SM4 key.
  const kek = randomBytes(16);
  const aad = new TextEncoder().encode(JSON.stringify(context));
  const wrapRate = rate(() => seal('SM4-GCM', kek, randomBytes(16), aad));
  const baseline = { name: 'raw SM4-GCM wrap of a 16-byte key, in memory', value: wrapRate };

  const results: BenchResult[] = [];
  const record = (name: string, value: number) => results.push({ name, value, unit: 'ops/s', baseline, ratio: value / baseline.value });

  const processKms = await spawnKms({ ...env, SLUICE_DATA_DIR: tempDir() });
  try {
    const client = new KmsClient({ url: processKms.url, token });
    const { keyId } = await client.createKey('SM4');
    record(`datakey over HTTP, KMS process (SQLite, ${CONCURRENCY} in flight)`, await throughput(() => client.dataKey(keyId, context)));
    const wrapped = await client.dataKey(keyId, context);
    record(`decrypt (unwrap) over HTTP, KMS process (${CONCURRENCY} in flight)`, await throughput(() => client.decrypt(keyId, wrapped.ciphertext, context)));
    record('datakey over HTTP, KMS process, one at a time', await throughput(() => client.dataKey(keyId, context), 1));
  } finally {
    await processKms.stop();
  }

  const inProcess = await startKmsServer({ env: { ...env, SLUICE_KMS_PORT: '0', SLUICE_DATA_DIR: tempDir(), SLUICE_LOG_LEVEL: 'silent' } });
  try {
    const client = new KmsClient({ url: inProcess.url, token });
    const { keyId } = await client.createKey('SM4');
    record(`datakey over HTTP, in-process KMS (${CONCURRENCY} in flight)`, await throughput(() => client.dataKey(keyId, context)));
    // Throughput depends on how much of the machine the run gets; CPU time per operation does not.
    const ops = 500;
    const cpu = process.cpuUsage();
    for (let i = 0; i < ops; i++) await client.dataKey(keyId, context);
    const used = process.cpuUsage(cpu);
    const perOp = (used.user + used.system) / ops;
    const wrapCpu = process.cpuUsage();
    for (let i = 0; i < 10_000; i++) seal('SM4-GCM', kek, randomBytes(16), aad);
    const wrapUsed = process.cpuUsage(wrapCpu);
    const wrapPerOp = (wrapUsed.user + wrapUsed.system) / 10_000;
    results.push({
      name: 'datakey CPU time, in-process KMS and its client together',
      value: perOp,
      unit: 'µs CPU/op',
      baseline: { name: 'raw SM4-GCM wrap of a 16-byte key, CPU time', value: wrapPerOp },
      ratio: perOp / wrapPerOp,
    });
  } finally {
    await inProcess.close();
    for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
