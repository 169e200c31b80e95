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

/** Rows that fill one ciphertext: parts cut at multiples of this concatenate without padding. */
function rowsPerChunk(scheme: HeScheme, spec: ColumnSpec): number {
  return spec.operation === 'histogram' ? histogramRowsPerChunk(spec, slotCount(scheme)) : slotCount(scheme);
}

interface Part {
  column: number;
  start: number;
  end: number;
}

/**
 * Encrypts several columns (one per data owner) on worker threads, one per core: BFV encryption
 * is CPU-bound and single-threaded inside SEAL. Columns are cut into ciphertext-aligned parts so
 * the cores stay evenly busy whatever the column sizes, and the parts of a column are joined
 * into one artifact, identical in shape to `encryptColumn`'s. The threads run a bundle of the
 * encryption code, built once per process.
 */
export async function encryptColumns(publicKey: Uint8Array, columns: readonly ArrayLike<number>[], spec: ColumnSpec, threads = os.availableParallelism()): Promise<Uint8Array[]> {
  const { scheme } = decodePublicKey(publicKey);
  validateSpec(scheme, spec);
  const rows = rowsPerChunk(scheme, spec);
  const chunks = columns.reduce((sum, c) => sum + Math.ceil(c.length / rows), 0);
  const partRows = rows * Math.max(1, Math.ceil(chunks / (threads * 2)));
  const parts: Part[] = columns.flatMap((c, column) => {
    const out: Part[] = [{ column, start: 0, end: Math.min(c.length, partRows) }];
    for (let start = partRows; start < c.length; start += partRows) out.push({ column, start, end: Math.min(c.length, start + partRows) });
    return out;
  });
  const source = await encryptWorkerSource();
  const workers = Array.from({ length: Math.max(1, Math.min(threads, parts.length)) }, () => new Worker(source, { eval: true }));
  try {
    let next = 0;
    const encrypted: Uint8Array[] = new Array(parts.length);
    await Promise.all(
      workers.map(async (worker) => {
        for (let i = next++; i < parts.length; i = next++) encrypted[i] = await encryptPart(worker, publicKey, columns, parts[i]!, spec);
      }),
    );
    return columns.map((_, column) => join(encrypted.filter((_, i) => parts[i]!.column === column)));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function encryptPart(worker: Worker, publicKey: Uint8Array, columns: readonly ArrayLike<number>[], part: Part, spec: ColumnSpec): Promise<Uint8Array> {
  const values = Float64Array.from({ length: part.end - part.start }, (_, i) => columns[part.column]![part.start + i]!);
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { column?: Uint8Array; error?: { code: ErrorCode; message: string; details?: ErrorDetails } }) => {
      if (m.column) return resolve(m.column);
      const details = m.error!.details;
      // Errors name the row within the part; callers know rows by their index in the column.
      const index = typeof details?.index === 'number' ? { ...details, index: details.index + part.start } : details;
      reject(new SluiceError(m.error!.code, m.error!.message, index));
    });
    worker.once('error', reject);
    worker.postMessage({ publicKey, values, spec });
  });
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
