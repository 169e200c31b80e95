import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../../common/errors.ts';
import { bundle, ThreadPool } from '../../common/threads/index.ts';
import { decodeColumn, decodePublicKey, encodeColumn } from './artifacts.ts';
import type { EncryptTask } from './encrypt-worker.ts';
import { histogramRowsPerChunk, validateSpec, type ColumnSpec } from './operations.ts';
import { slotCount, type HeScheme } from './params.ts';

const WORKER_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'encrypt-worker.ts');

const PART_CIPHERTEXTS = 16;

/** Rows that fill one ciphertext: parts cut at multiples of this concatenate without padding. */
function rowsPerChunk(scheme: HeScheme, spec: ColumnSpec): number {
  return spec.operation === 'histogram' ? histogramRowsPerChunk(spec, slotCount(scheme)) : slotCount(scheme);
}

/**
 * Worker threads, one per core, that encrypt column parts: BFV encryption is CPU-bound and
 * single-threaded inside SEAL. A long-lived pool (the gateway keeps one) pays each thread's SEAL
 * start-up (~0.3 s) once. The threads start at the first columns, from a bundle of the encryption code.
 */
export class EncryptionPool {
  #pool: ThreadPool<EncryptTask, Uint8Array> | undefined;

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
    this.#pool ??= new ThreadPool({ name: 'encryption', source: bundle(WORKER_ENTRY, 'cjs').then((b) => b.code), threads: this.threads });
    const pool = this.#pool;
    const encrypted = columns.map((column) => {
      const parts: Promise<Uint8Array>[] = [];
      for (let start = 0; start === 0 || start < column.length; start += partRows) {
        const values = new Float64Array(Math.min(column.length, start + partRows) - start);
        // A plain loop: Float64Array.from with a mapper costs ~10× more on the gateway's busy thread.
        for (let i = 0; i < values.length; i++) values[i] = column[start + i]!;
        parts.push(pool.run({ publicKey, values, spec }).catch((error: unknown) => Promise.reject(rowsOfColumn(error, start))));
      }
      return Promise.all(parts).then(join);
    });
    return Promise.all(encrypted);
  }

  async close(): Promise<void> {
    await this.#pool?.close();
  }
}

/** Errors name the row within the part; callers know rows by their index in the column. */
function rowsOfColumn(error: unknown, offset: number): unknown {
  if (!(error instanceof SluiceError) || typeof error.details?.index !== 'number') return error;
  return new SluiceError(error.code, error.message, { ...error.details, index: error.details.index + offset });
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
