import { createHash, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as paillier from 'paillier-bigint';
import {
  buildChildBundle,
  createComputeHandler,
  DEFAULT_LIMITS,
  computeStore,
  decryptResult,
  EncryptionPool,
  keygen,
  PSI_PROTOCOL,
  psiFinish,
  psiRequest,
  psiRespond,
  SandboxChild,
  SpareChildren,
  X25519Pool,
  type PsiSession,
} from '../compute/index.ts';
import type { BenchResult } from './types.ts';

/**
 * Compute benchmarks. Sizes come from the environment so the big runs stay occasional on a
 * shared machine: SLUICE_BENCH_HE_VALUES (per owner, default 2^20), SLUICE_BENCH_HE_OWNERS (3),
 * SLUICE_BENCH_PAILLIER_SAMPLE (20), SLUICE_BENCH_PSI_LOG2 (set size 2^k per party, default 18;
 * 20 for the full 2^20 × 2^20 run — the figure is then measured, not extrapolated).
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** An owner's column: n deterministic integers in ±10^6. */
export function column(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state % 2_000_001) - 1_000_000;
  }
  return out;
}

/**
 * The baseline of the HE figures: Paillier-2048 (additively homomorphic, one value per
 * ciphertext) encrypting and adding `sample` of the values, in seconds per value.
 */
export async function paillierSecondsPerValue(values: ArrayLike<number>, sample: number): Promise<number> {
  const { publicKey } = await paillier.generateRandomKeys(2048);
  const started = performance.now();
  let acc = publicKey.encrypt(0n);
  for (let i = 0; i < sample; i++) acc = publicKey.addition(acc, publicKey.encrypt(BigInt(Math.abs(values[i]!))));
  return (performance.now() - started) / 1000 / sample;
}

/** 3 owners × 1M values: keygen → encrypt (threads) → evaluate in the sandboxed child → decrypt. */
async function hePipeline(): Promise<BenchResult[]> {
  const perOwner = env('SLUICE_BENCH_HE_VALUES', 2 ** 20);
  const owners = env('SLUICE_BENCH_HE_OWNERS', 3);
  const columns = Array.from({ length: owners }, (_, i) => column(perOwner, i + 1));
  const expected = columns.reduce((sum, c) => sum + c.reduce((a, b) => a + b, 0), 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-he-'));
  try {
    const bundle = await buildChildBundle(path.join(dir, 'sandbox'));
    const store = computeStore(dir);
    // A running gateway keeps its encryption threads, started long before a job arrives.
    const pool = new EncryptionPool();
    const warm = await keygen('bfv');
    await pool.encryptColumns(warm.publicKey, [[1], [2]], { operation: 'sum' });
    // A running worker has its next job's child started and waiting.
    const spares = new SpareChildren(() => new SandboxChild(bundle.file, path.join(dir, 'scratch'), DEFAULT_LIMITS), 1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = performance.now();
    const keys = await keygen('bfv');
    const encrypted = await pool.encryptColumns(keys.publicKey, columns, { operation: 'sum' }).finally(() => pool.close());
    const encryptedAt = performance.now();
    for (const [i, bytes] of encrypted.entries()) await store.putInput('bench', `owner-${i}`, bytes);
    const handler = createComputeHandler({
      store,
      kms: { publicKey: async () => keys.publicKey, reportResult: async () => undefined },
      spares,
      limits: DEFAULT_LIMITS,
    });
    await handler({ id: 'bench', attempt: 1, payload: { jobId: 'bench', keysetId: 'k', operation: 'sum', inputs: encrypted.map((_, i) => `owner-${i}`) }, progress: async () => undefined }).finally(() =>
      spares.close(),
    );
    const evaluatedAt = performance.now();
    const result = await decryptResult(keys.secretKey, (await store.readResult('bench'))!);
    const total = (performance.now() - started) / 1000;
    if (result.value !== expected) throw new Error('HE pipeline result differs from the plaintext sum');
    process.stderr.write(
      `  HE: encrypt ${((encryptedAt - started) / 1000).toFixed(2)} s, store+sandboxed evaluate ${((evaluatedAt - encryptedAt) / 1000).toFixed(2)} s, decrypt ${(total - (evaluatedAt - started) / 1000).toFixed(3)} s, ${(encrypted.reduce((s, b) => s + b.length, 0) / 2 ** 20).toFixed(0)} MiB ciphertext\n`,
    );

    const sample = env('SLUICE_BENCH_PAILLIER_SAMPLE', 20);
    const paillierPerValue = await paillierSecondsPerValue(columns[0]!, sample);

    const n = perOwner * owners;
    const heRate = n / total;
    return [
      {
        name: `HE sum ${owners} owners × ${perOwner.toLocaleString('en-US')} values, whole pipeline`,
        value: total,
        unit: 's',
        baseline: { name: 'Paillier-2048 encrypt+add, scaled to the same values', value: paillierPerValue * n },
        ratio: total / (paillierPerValue * n),
      },
      {
        name: 'HE pipeline throughput (values/s)',
        value: heRate,
        unit: 'values/s',
        baseline: { name: `Paillier-2048 on ${sample} values`, value: 1 / paillierPerValue },
        ratio: heRate * paillierPerValue,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Two parties of 2^k elements, half shared, on one pool of threads (one per core). */
async function psi(): Promise<BenchResult[]> {
  const log2 = env('SLUICE_BENCH_PSI_LOG2', 18);
  const size = 2 ** log2;
  const partner = Array.from({ length: size }, (_, i) => `id-${i}`);
  const owner = Array.from({ length: size }, (_, i) => `id-${i + size / 2}`);
  const session: PsiSession = { protocol: PSI_PROTOCOL, sessionId: 'bench', mode: 'cardinality', minSetSize: 1 };
  const pool = new X25519Pool();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const lap = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
  try {
    const { request, state } = await psiRequest(session, partner, pool);
    const requestedAt = performance.now();
    const response = await psiRespond(session, owner, request, pool);
    const respondedAt = performance.now();
    const outcome = await psiFinish(state, response, pool);
    const finishedAt = performance.now();
    if (outcome.cardinality !== size / 2) throw new Error('PSI cardinality is wrong');
    // CPU seconds of every thread: on a shared machine, wall time over CPU time shows how much of both cores the run had.
    const { user, system } = process.cpuUsage(cpu);
    process.stderr.write(
      `  PSI 2^${log2}: partner request ${lap(started, requestedAt)} s, server response ${lap(requestedAt, respondedAt)} s, partner finish ${lap(respondedAt, finishedAt)} s; ${((user + system) / 1e6).toFixed(1)} CPU s, ${((user + system) / (4 * size)).toFixed(1)} CPU µs per X25519\n`,
    );
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const scale = 2 ** (20 - log2);

  // The naive loop DESIGN.md measured: hash, one public KeyObject (SPKI DER) per item, derive.
  const sample = 20_000;
  const { privateKey } = generateKeyPairSync('x25519');
  const spki = Buffer.from('302a300506032b656e032100', 'hex');
  const naiveStart = performance.now();
  for (let i = 0; i < sample; i++) {
    const u = createHash('sha256').update(`id-${i}`).digest();
    diffieHellman({ privateKey, publicKey: createPublicKey({ key: Buffer.concat([spki, u]), format: 'der', type: 'spki' }) });
  }
  const naivePerOp = (performance.now() - naiveStart) / 1000 / sample;
  // Both parties: each element is hashed-and-blinded once and blinded again by the other side.
  const naive2to20 = naivePerOp * 4 * 2 ** 20;
  const label = log2 === 20 ? 'measured' : `measured at 2^${log2}, ×${scale} linear`;
  return [
    {
      name: `PSI 2^20 × 2^20 cardinality, both parties on this machine (${label})`,
      value: seconds * scale,
      unit: 's',
      baseline: { name: 'naive one-KeyObject-per-item X25519 loop, 1 thread, scaled', value: naive2to20 },
      ratio: (seconds * scale) / naive2to20,
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  return [...(await hePipeline()), ...(await psi())];
}
