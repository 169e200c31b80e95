import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SluiceError, type ErrorCode, type ErrorDetails } from '../../common/index.ts';
import { bundleSource } from '../bundle.ts';
import { decodeColumn, decodePublicKey, encodeColumn } from './artifacts.ts';
import { histogramRowsPerChunk, validateSpec, type ColumnSpec } from './operations.ts';
import { slotCount, type HeScheme } from './params.ts';

let workerSource: Promise<string> | undefined;

function encryptWorkerSource(): Promise<string> {
  const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'encrypt-worker.ts');
  workerSource ??= bundleSource(entry, 'cjs').then((b) => Buffer.from(b.code).toString('utf8'));
  return workerSource;
}

const PART_CIPHERTEXTS = 16;

/** Rows that fill one ciphertext: parts cut at multiples of this concatenate without padding. */
function rowsPerChunk(scheme: HeScheme, spec: ColumnSpec): number {
  return spec.operation === 'histogram' ? histogramRowsPerChunk(spec, slotCount(scheme)) : slotCount(scheme);
}

interface Task {
  publicKey: Uint8Array;
  values: Float64Array;
  spec: ColumnSpec;
  /** First row of the part in its column, to report row indexes as the caller knows them. */
  offset: number;
  resolve: (column: Uint8Array) => void;
  reject: (error: Error) => void;
}

interface Reply {
  column?: Uint8Array;
  error?: { code: ErrorCode; message: string; details?: ErrorDetails };
}

/**
 * Worker threads, one per core, that encrypt column parts: BFV encryption is CPU-bound and
 * single-threaded inside SEAL. A long-lived pool (the gateway keeps one) pays each thread's SEAL
 * start-up (~0.3 s) once. The threads run a bundle of the encryption code, built once per process.
 */
export class EncryptionPool {
  private workers: Promise<Worker[]> | undefined;
  private readonly queue: Task[] = [];
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task>();
  private alive = 0;

  constructor(readonly threads = os.availableParallelism()) {}

  /**
   * Encrypts several columns (one per data owner) under one public key. Columns are cut into
   * ciphertext-aligned parts so the cores stay evenly busy whatever the column sizes, and the
   * parts of a column are joined into one artifact, identical in shape to `encryptColumn`'s.
   */
  async encryptColumns(publicKey: Uint8Array, columns: readonly ArrayLike<number>[], spec: ColumnSpec): Promise<Uint8Array[]> {
    const { scheme } = decodePublicKey(publicKey);
    validateSpec(scheme, spec);
    const rows = rowsPerChunk(scheme, spec);
    const chunks = columns.reduce((sum, c) => sum + Math.ceil(c.length / rows), 0);
    // Parts of at most PART_CIPHERTEXTS ciphertexts (~0.1 s each): the last parts end close
    // together, where a few large parts left one thread finishing alone. A push-down column is
    // one part: its thread reduces it whole and encrypts a single ciphertext.
    const partRows = spec.pushdown ? Infinity : rows * Math.max(1, Math.min(PART_CIPHERTEXTS, Math.ceil(chunks / (this.threads * 2))));
    await this.start();
    const encrypted = columns.map((column) => {
      const parts: Promise<Uint8Array>[] = [];
      for (let start = 0; start === 0 || start < column.length; start += partRows) {
        const values = new Float64Array(Math.min(column.length, start + partRows) - start);
        // A plain loop: Float64Array.from with a mapper costs ~10× more on the gateway's busy thread.
        for (let i = 0; i < values.length; i++) values[i] = column[start + i]!;
        parts.push(new Promise((resolve, reject) => this.submit({ publicKey, values, spec, offset: start, resolve, reject })));
      }
      return Promise.all(parts).then(join);
    });
    return Promise.all(encrypted);
  }

  async close(): Promise<void> {
    const workers = await this.workers;
    await Promise.all((workers ?? []).map((w) => w.terminate()));
  }

  private start(): Promise<Worker[]> {
    this.workers ??= encryptWorkerSource().then((source) =>
      Array.from({ length: Math.max(1, this.threads) }, () => {
        const worker = new Worker(source, { eval: true });
        worker.on('message', (reply: Reply) => this.settle(worker, reply));
        worker.on('error', () => {
          // A thread that crashed (out of memory) is gone: its task fails, and so does the
          // queue once no thread is left, rather than waiting forever.
          this.running.get(worker)?.reject(new SluiceError('INTERNAL', 'an encryption thread failed'));
          this.running.delete(worker);
          if (--this.alive === 0) for (const task of this.queue.splice(0)) task.reject(new SluiceError('INTERNAL', 'no encryption thread left'));
        });
        this.idle.push(worker);
        this.alive++;
        return worker;
      }),
    );
    return this.workers;
  }

  private submit(task: Task): void {
    this.queue.push(task);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.running.set(worker, task);
      worker.postMessage({ publicKey: task.publicKey, values: task.values, spec: task.spec });
    }
  }

  private settle(worker: Worker, reply: Reply): void {
    const task = this.running.get(worker);
    this.running.delete(worker);
    this.idle.push(worker);
    if (task) {
      if (reply.column) task.resolve(reply.column);
      else {
        const details = reply.error!.details;
        // Errors name the row within the part; callers know rows by their index in the column.
        const shifted = typeof details?.index === 'number' ? { ...details, index: details.index + task.offset } : details;
        task.reject(new SluiceError(reply.error!.code, reply.error!.message, shifted));
      }
    }
    this.dispatch();
  }
}

/** One-off `EncryptionPool.encryptColumns` with a pool of its own. */
export async function encryptColumns(publicKey: Uint8Array, columns: readonly ArrayLike<number>[], spec: ColumnSpec, threads = os.availableParallelism()): Promise<Uint8Array[]> {
  const pool = new EncryptionPool(threads);
  try {
    return await pool.encryptColumns(publicKey, columns, spec);
  } finally {
    await pool.close();
  }
}

/** The parts of one column, in order, as one column artifact. */
function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const decoded = parts.map(decodeColumn);
  const first = decoded[0]!;
  return encodeColumn({
    scheme: first.scheme,
    params: first.params,
    keyId: first.keyId,
    spec: first.spec,
    components: first.components,
    n: decoded.reduce((sum, p) => sum + p.n, 0),
    ciphertexts: first.components.map((_, c) => decoded.flatMap((p) => p.ciphertexts[c]!)),
  });
}
