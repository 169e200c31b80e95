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
  EncryptionPool,
  joinInput,
  joinMask,
  joinRespond,
  joinTags,
  PSI_PROTOCOL,
  psiFinish,
  psiRequest,
  psiRespond,
  SandboxChild,
  SpareChildren,
  X25519Pool,
  type ColumnSpec,
  type ComputeJobPayload,
  type PsiSession,
} from '../compute/index.ts';
import { decryptResult, keygen } from '../kms/index.ts';
import type { BenchResult } from './types.ts';

/**
 * Compute benchmarks. Sizes come from the environment so the big runs stay occasional on a
 * shared machine: SLUICE_BENCH_HE_VALUES (per owner, default 2^20), SLUICE_BENCH_HE_OWNERS (3),
 * SLUICE_BENCH_PAILLIER_SAMPLE (20), SLUICE_BENCH_PSI_LOG2 (set size 2^k per party, default 18;
 * 20 for the full 2^20 × 2^20 run — the figure is then measured, not extrapolated). PSI
 * cardinality and the private join (intersection sum) run at 2^16 and at 2^SLUICE_BENCH_PSI_LOG2.
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

/** A worker's sandbox as a running worker has it: the job child started and waiting. */
async function sandbox(dir: string) {
  const bundle = await buildChildBundle(path.join(dir, 'sandbox'));
  const store = computeStore(path.join(dir, 'jobs'));
  const spares = new SpareChildren(() => new SandboxChild(bundle.file, path.join(dir, 'scratch'), DEFAULT_LIMITS), 1);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return {
    store,
    /** Stores the job's inputs, evaluates them in the waiting child, returns the result ciphertext. */
    async evaluate(publicKey: Uint8Array, payload: ComputeJobPayload, inputs: Map<string, Uint8Array>): Promise<Uint8Array> {
      for (const [name, bytes] of inputs) await store.putInput(payload.jobId, name, bytes);
      const handler = createComputeHandler({ store, kms: { publicKey: async () => publicKey, reportResult: async () => undefined }, spares, limits: DEFAULT_LIMITS });
      await handler({ id: payload.jobId, attempt: 1, payload, progress: async () => undefined });
      return (await store.readResult(payload.jobId))!;
    },
    close: () => spares.close(),
  };
}

/**
 * 3 owners × 1M values: keygen → encrypt (threads) → evaluate in the sandboxed child → decrypt,
 * row by row, then pushed down (each owner's column reduced to its partial sum, one ciphertext).
 */
async function hePipeline(): Promise<BenchResult[]> {
  const perOwner = env('SLUICE_BENCH_HE_VALUES', 2 ** 20);
  const owners = env('SLUICE_BENCH_HE_OWNERS', 3);
  const columns = Array.from({ length: owners }, (_, i) => column(perOwner, i + 1));
  const expected = columns.reduce((sum, c) => sum + c.reduce((a, b) => a + b, 0), 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-he-'));
  // A running gateway keeps its encryption threads, started long before a job arrives.
  const pool = new EncryptionPool();
  try {
    const warm = await keygen('bfv');
    await pool.encryptColumns(warm.publicKey, [[1], [2]], { operation: 'sum' });
    const once = async (spec: ColumnSpec, jobId: string) => {
      const box = await sandbox(path.join(dir, jobId));
      try {
        const started = performance.now();
        const keys = await keygen('bfv');
        const encrypted = await pool.encryptColumns(keys.publicKey, columns, spec);
        const encryptedAt = performance.now();
        const names = encrypted.map((_, i) => `owner-${i}`);
        const result = await box.evaluate(keys.publicKey, { jobId, keysetId: 'k', operation: 'sum', inputs: names }, new Map(names.map((name, i) => [name, encrypted[i]!])));
        const evaluatedAt = performance.now();
        const released = await decryptResult(keys.secretKey, result);
        const total = (performance.now() - started) / 1000;
        if (released.value !== expected) throw new Error('HE pipeline result differs from the plaintext sum');
        const bytes = encrypted.reduce((sum, b) => sum + b.length, 0);
        process.stderr.write(
          `  HE ${spec.pushdown ? 'push-down' : 'row-level'}: encrypt ${((encryptedAt - started) / 1000).toFixed(3)} s, store+sandboxed evaluate ${((evaluatedAt - encryptedAt) / 1000).toFixed(3)} s, decrypt ${(total - (evaluatedAt - started) / 1000).toFixed(3)} s, ${(bytes / 2 ** 20).toFixed(2)} MiB ciphertext\n`,
        );
        return total;
      } finally {
        await box.close();
      }
    };
    const rows = await once({ operation: 'sum' }, 'rows');
    const pushed = await once({ operation: 'sum', pushdown: true }, 'pushdown');

    const sample = env('SLUICE_BENCH_PAILLIER_SAMPLE', 20);
    const paillierPerValue = await paillierSecondsPerValue(columns[0]!, sample);
    const n = perOwner * owners;
    const heRate = n / rows;
    const label = `${owners} owners × ${perOwner.toLocaleString('en-US')} values`;
    return [
      {
        name: `HE sum ${label}, whole pipeline, row-level`,
        value: rows,
        unit: 's',
        baseline: { name: 'Paillier-2048 encrypt+add, scaled to the same values', value: paillierPerValue * n },
        ratio: rows / (paillierPerValue * n),
      },
      {
        name: 'HE row-level pipeline throughput (values/s)',
        value: heRate,
        unit: 'values/s',
        baseline: { name: `Paillier-2048 on ${sample} values`, value: 1 / paillierPerValue },
        ratio: heRate * paillierPerValue,
      },
      {
        name: `HE sum ${label}, whole pipeline, push-down`,
        value: pushed,
        unit: 's',
        baseline: { name: 'the row-level pipeline, same run', value: rows },
        ratio: pushed / rows,
      },
    ];
  } finally {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * node-seal 6's WebAssembly is single-threaded (no pthreads build) and has no SIMD code, so the
 * one parallelism it offers is a SEAL instance per worker thread: one owner's column encrypted
 * row by row on one thread, then on one thread per core.
 */
async function encryptionThreads(): Promise<BenchResult[]> {
  const values = column(env('SLUICE_BENCH_HE_VALUES', 2 ** 20), 9);
  const keys = await keygen('bfv');
  const timedOn = async (threads: number) => {
    const pool = new EncryptionPool(threads);
    try {
      await pool.encryptColumns(keys.publicKey, [[1]], { operation: 'sum' });
      const started = performance.now();
      await pool.encryptColumns(keys.publicKey, [values], { operation: 'sum' });
      return (performance.now() - started) / 1000;
    } finally {
      await pool.close();
    }
  };
  const one = await timedOn(1);
  const threads = os.availableParallelism();
  const all = await timedOn(threads);
  return [
    {
      name: `BFV encryption of ${values.length.toLocaleString('en-US')} values, row-level, ${threads} threads`,
      value: all,
      unit: 's',
      baseline: { name: 'the same on 1 thread', value: one },
      ratio: all / one,
    },
  ];
}

/** Two parties of 2^k elements, half shared. */
function psiSets(log2: number) {
  const size = 2 ** log2;
  return { size, partner: Array.from({ length: size }, (_, i) => `id-${i}`), owner: Array.from({ length: size }, (_, i) => `id-${i + size / 2}`) };
}

const lap = (from: number, to: number) => ((to - from) / 1000).toFixed(2);

/** CPU seconds of every thread: on a shared machine, wall time over CPU time shows how much of both cores the run had. */
export function cpuSince(cpu: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(cpu);
  return (user + system) / 1e6;
}

/** PSI cardinality, both parties on one pool of threads (one per core); seconds. */
async function psiCardinality(log2: number, pool: X25519Pool): Promise<number> {
  const { size, partner, owner } = psiSets(log2);
  const session: PsiSession = { protocol: PSI_PROTOCOL, sessionId: 'bench', mode: 'cardinality', minSetSize: 1 };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { request, state } = await psiRequest(session, partner, pool);
  const requestedAt = performance.now();
  const response = await psiRespond(session, owner, request, pool);
  const respondedAt = performance.now();
  const outcome = await psiFinish(state, response, pool);
  const finishedAt = performance.now();
  if (outcome.cardinality !== size / 2) throw new Error('PSI cardinality is wrong');
  const cpuSeconds = cpuSince(cpu);
  process.stderr.write(
    `  PSI cardinality 2^${log2}: partner request ${lap(started, requestedAt)} s, server response ${lap(requestedAt, respondedAt)} s, partner finish ${lap(respondedAt, finishedAt)} s; ${cpuSeconds.toFixed(1)} CPU s, ${((cpuSeconds * 1e6) / (4 * size)).toFixed(1)} CPU µs per X25519\n`,
  );
  return (finishedAt - started) / 1000;
}

/**
 * The private join at 2^k × 2^k, every step of both sides: the partner's values (integers in
 * ±10^6) encrypted under the job key on the encryption threads, the mask, the sandboxed
 * worker's masked sum and the KMS's decryption; checked against the plaintext sum. Seconds.
 */
async function intersectionSum(log2: number, pool: X25519Pool, encryption: EncryptionPool, box: Awaited<ReturnType<typeof sandbox>>): Promise<number> {
  const { size, partner, owner } = psiSets(log2);
  const values = column(size, 7);
  const session: PsiSession = { protocol: PSI_PROTOCOL, sessionId: `join-${log2}`, mode: 'sum', minSetSize: 1 };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const keys = await keygen('bfv', { plaintextMultiply: true });
  const { ids, values: ordered } = joinInput(partner.map((id, i) => [id, values[i]!] as const));
  const { request, state } = await psiRequest(session, ids, pool);
  const requestedAt = performance.now();
  const { response, state: kept } = await joinRespond(session, owner, request, pool);
  const respondedAt = performance.now();
  const tags = await joinTags(state, response, pool);
  const taggedAt = performance.now();
  const mask = joinMask(session, kept, tags);
  const [encrypted] = await encryption.encryptColumns(keys.publicKey, [ordered], { operation: 'intersectionSum' });
  const encryptedAt = performance.now();
  const jobId = `join-${log2}`;
  const result = await box.evaluate(keys.publicKey, { jobId, keysetId: 'k', operation: 'intersectionSum', inputs: ['values'], mask: 'mask' }, new Map([['values', encrypted!], ['mask', mask]]));
  const evaluatedAt = performance.now();
  const released = await decryptResult(keys.secretKey, result);
  const finishedAt = performance.now();
  const shared = new Set(owner);
  const expected = partner.reduce((sum, id, i) => (shared.has(id) ? sum + values[i]! : sum), 0);
  if (released.n !== size / 2 || released.value !== expected) throw new Error('intersection sum differs from the plaintext');
  process.stderr.write(
    `  intersection sum 2^${log2}: partner request ${lap(started, requestedAt)} s, server response ${lap(requestedAt, respondedAt)} s, partner tags ${lap(respondedAt, taggedAt)} s, mask + encrypt values ${lap(taggedAt, encryptedAt)} s, sandboxed masked sum ${lap(encryptedAt, evaluatedAt)} s, decrypt ${lap(evaluatedAt, finishedAt)} s; ${cpuSince(cpu).toFixed(1)} CPU s, ${(encrypted!.length / 2 ** 20).toFixed(1)} MiB of encrypted values\n`,
  );
  return (finishedAt - started) / 1000;
}

/** PSI cardinality and the private join at 2^16 and at 2^SLUICE_BENCH_PSI_LOG2, each join beside the cardinality run at its size. */
async function psi(): Promise<BenchResult[]> {
  const log2 = env('SLUICE_BENCH_PSI_LOG2', 18);
  const sizes = [...new Set([16, log2])];
  const pool = new X25519Pool();
  const encryption = new EncryptionPool();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-join-'));
  const box = await sandbox(dir);
  const results: BenchResult[] = [];
  const cardinality = new Map<number, number>();
  try {
    for (const k of sizes) {
      const counted = await psiCardinality(k, pool);
      cardinality.set(k, counted);
      const summed = await intersectionSum(k, pool, encryption, box);
      results.push({
        name: `private join (intersection sum) 2^${k} × 2^${k}, both parties`,
        value: summed,
        unit: 's',
        baseline: { name: `PSI cardinality 2^${k} × 2^${k}, same run`, value: counted },
        ratio: summed / counted,
      });
    }
  } finally {
    await box.close();
    await encryption.close();
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const seconds = cardinality.get(log2)!;
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
    ...results,
  ];
}

export async function run(): Promise<BenchResult[]> {
  return [...(await hePipeline()), ...(await encryptionThreads()), ...(await psi())];
}
