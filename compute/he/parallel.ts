import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SluiceError, type ErrorCode, type ErrorDetails } from '../../common/index.ts';
import { bundleSource } from '../bundle.ts';
import type { ColumnSpec } from './operations.ts';

let workerSource: Promise<string> | undefined;

function encryptWorkerSource(): Promise<string> {
  const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'encrypt-worker.ts');
  workerSource ??= bundleSource(entry, 'cjs').then((b) => Buffer.from(b.code).toString('utf8'));
  return workerSource;
}

/**
 * Encrypts several columns (one per data owner) on worker threads, one thread per core: BFV
 * encryption is CPU-bound and single-threaded inside SEAL. The threads run a bundle of the
 * encryption code, built once per process.
 */
export async function encryptColumns(publicKey: Uint8Array, columns: readonly ArrayLike<number>[], spec: ColumnSpec, threads = os.availableParallelism()): Promise<Uint8Array[]> {
  const count = Math.max(1, Math.min(threads, columns.length));
  const source = await encryptWorkerSource();
  const workers = Array.from({ length: count }, () => new Worker(source, { eval: true }));
  try {
    let next = 0;
    const out: Uint8Array[] = new Array(columns.length);
    await Promise.all(
      workers.map(async (worker) => {
        for (let i = next++; i < columns.length; i = next++) {
          out[i] = await new Promise<Uint8Array>((resolve, reject) => {
            worker.once('message', (m: { column?: Uint8Array; error?: { code: ErrorCode; message: string; details?: ErrorDetails } }) =>
              m.column ? resolve(m.column) : reject(new SluiceError(m.error!.code, m.error!.message, m.error!.details)),
            );
            worker.once('error', reject);
            worker.postMessage({ id: i, publicKey, values: Float64Array.from(columns[i]!), spec });
          });
        }
      }),
    );
    return out;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
