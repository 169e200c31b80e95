import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../../common/index.ts';

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

function checked(name: string, what: string): string {
  if (!NAME.test(name) || name === '.' || name === '..') throw fail.validation(`invalid ${what}`);
  return name;
}

function writeAtomically(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.${Date.now()}.partial`;
  fs.writeFileSync(partial, bytes, { mode: 0o600 });
  fs.renameSync(partial, file);
}

function readIfPresent(file: string): Uint8Array | undefined {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Encrypted job artifacts on disk, keyed by job id: the contributors' columns (written by the
 * gateway) and the evaluated result (written by the worker). Everything here is ciphertext
 * under a job key whose secret half only the KMS holds. With workers on other hosts this
 * directory is a shared volume.
 */
export class ComputeStore {
  constructor(readonly root: string) {}

  private jobDir(jobId: string): string {
    return path.join(this.root, checked(jobId, 'job id'));
  }

  inputPath(jobId: string, name: string): string {
    return path.join(this.jobDir(jobId), 'inputs', checked(name, 'input name'));
  }

  putInput(jobId: string, name: string, column: Uint8Array): void {
    writeAtomically(this.inputPath(jobId, name), column);
  }

  /** A stored input (or exchange state, such as a private join's), or undefined if there is none. */
  readInput(jobId: string, name: string): Uint8Array | undefined {
    return readIfPresent(this.inputPath(jobId, name));
  }

  removeInput(jobId: string, name: string): void {
    fs.rmSync(this.inputPath(jobId, name), { force: true });
  }

  readResult(jobId: string): Uint8Array | undefined {
    return readIfPresent(path.join(this.jobDir(jobId), 'result.bin'));
  }

  /** Idempotent: the first result of a job stands, and a re-run must reproduce it byte for byte. */
  putResult(jobId: string, result: Uint8Array): void {
    const existing = this.readResult(jobId);
    if (existing) {
      if (sha256Hex(existing) !== sha256Hex(result)) throw fail.conflict('a different result is already stored for this job');
      return;
    }
    writeAtomically(path.join(this.jobDir(jobId), 'result.bin'), result);
  }
}
