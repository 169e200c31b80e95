import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { fail, SluiceError, type VersionedMigration } from '../../common/index.ts';

const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Bytes per row of a stored artifact: large columns never travel as one value. */
const PART_BYTES = 4 * 1024 * 1024;

function checked(name: string, what: string): string {
  if (!NAME.test(name) || name === '.' || name === '..') throw fail.validation(`invalid ${what}`);
  return name;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Encrypted job artifacts, keyed by job id: the contributors' columns (written by a gateway) and
 * the evaluated result (written by a worker). Everything here is ciphertext under a job key
 * whose secret half only the KMS holds. On the embedded defaults they are files in the data dir;
 * with PostgreSQL they are rows of the gateways' database, so any gateway and any worker reach
 * them.
 */
export interface ComputeStore {
  putInput(jobId: string, name: string, column: Uint8Array): Promise<void>;
  /** Writes a stored input to `file` (a job child's scratch directory). */
  copyInput(jobId: string, name: string, file: string): Promise<void>;
  /** A stored input (or exchange state, such as a private join's), or undefined if there is none. */
  readInput(jobId: string, name: string): Promise<Uint8Array | undefined>;
  removeInput(jobId: string, name: string): Promise<void>;
  readResult(jobId: string): Promise<Uint8Array | undefined>;
  /** Idempotent: the first result of a job stands, and a re-run must reproduce it byte for byte. */
  putResult(jobId: string, result: Uint8Array): Promise<void>;
  /** Removes everything stored for the job. */
  discard(jobId: string): Promise<void>;
}

function sameResult(existing: Uint8Array, result: Uint8Array): void {
  if (sha256Hex(existing) !== sha256Hex(result)) throw fail.conflict('a different result is already stored for this job');
}

function readIfPresent(file: string): Uint8Array | undefined {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function writeAtomically(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.${Date.now()}.partial`;
  fs.writeFileSync(partial, bytes, { mode: 0o600 });
  fs.renameSync(partial, file);
}

/** Artifacts as files under `<root>/<jobId>`; with workers on other hosts, a shared volume. */
export class FileComputeStore implements ComputeStore {
  constructor(readonly root: string) {}

  private jobDir(jobId: string): string {
    return path.join(this.root, checked(jobId, 'job id'));
  }

  private inputPath(jobId: string, name: string): string {
    return path.join(this.jobDir(jobId), 'inputs', checked(name, 'input name'));
  }

  async putInput(jobId: string, name: string, column: Uint8Array): Promise<void> {
    writeAtomically(this.inputPath(jobId, name), column);
  }

  /** Inputs are large; a hard link gives the child its own name for them without a copy. */
  async copyInput(jobId: string, name: string, file: string): Promise<void> {
    const from = this.inputPath(jobId, name);
    try {
      fs.linkSync(from, file);
    } catch {
      fs.copyFileSync(from, file);
    }
  }

  async readInput(jobId: string, name: string): Promise<Uint8Array | undefined> {
    return readIfPresent(this.inputPath(jobId, name));
  }

  async removeInput(jobId: string, name: string): Promise<void> {
    fs.rmSync(this.inputPath(jobId, name), { force: true });
  }

  async readResult(jobId: string): Promise<Uint8Array | undefined> {
    return readIfPresent(path.join(this.jobDir(jobId), 'result.bin'));
  }

  async putResult(jobId: string, result: Uint8Array): Promise<void> {
    const existing = await this.readResult(jobId);
    if (existing) return sameResult(existing, result);
    writeAtomically(path.join(this.jobDir(jobId), 'result.bin'), result);
  }

  async discard(jobId: string): Promise<void> {
    fs.rmSync(this.jobDir(jobId), { recursive: true, force: true });
  }
}

export interface ComputeArtifactTables {
  compute_artifacts: { job_id: string; name: string; part: number; bytes: Uint8Array };
}

/** The artifacts table, run by the gateway with its own migrations (workers never migrate). */
export const computeStoreMigrations: Record<string, VersionedMigration> = {
  '0041_compute_artifacts': (types) => ({
    up: async (db) => {
      await db.schema
        .createTable('compute_artifacts')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('part', 'integer', (c) => c.notNull())
        .addColumn('bytes', types.blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('compute_artifacts_pk', ['job_id', 'name', 'part'])
        .execute();
    },
  }),
};

const RESULT = 'result';
const input = (name: string) => `input:${checked(name, 'input name')}`;

/**
 * Artifacts as rows of the shared database, each in parts of at most 4 MiB written in one
 * transaction, so a reader sees all of an artifact or none of it.
 */
export class DatabaseComputeStore implements ComputeStore {
  constructor(private readonly db: Kysely<ComputeArtifactTables>) {}

  async putInput(jobId: string, name: string, column: Uint8Array): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('compute_artifacts').where('job_id', '=', checked(jobId, 'job id')).where('name', '=', input(name)).execute();
      await this.insert(trx, jobId, input(name), column);
    });
  }

  async copyInput(jobId: string, name: string, file: string): Promise<void> {
    const parts = await this.parts(jobId, input(name));
    if (parts === 0) throw new SluiceError('NOT_FOUND', 'a job input is missing from the store');
    const out = fs.openSync(file, 'wx', 0o600);
    try {
      for (let part = 0; part < parts; part++) fs.writeSync(out, await this.part(jobId, input(name), part));
    } finally {
      fs.closeSync(out);
    }
  }

  readInput(jobId: string, name: string): Promise<Uint8Array | undefined> {
    return this.read(jobId, input(name));
  }

  async removeInput(jobId: string, name: string): Promise<void> {
    await this.db.deleteFrom('compute_artifacts').where('job_id', '=', checked(jobId, 'job id')).where('name', '=', input(name)).execute();
  }

  readResult(jobId: string): Promise<Uint8Array | undefined> {
    return this.read(jobId, RESULT);
  }

  async putResult(jobId: string, result: Uint8Array): Promise<void> {
    const existing = await this.readResult(jobId);
    if (existing) return sameResult(existing, result);
    try {
      await this.db.transaction().execute((trx) => this.insert(trx, jobId, RESULT, result));
    } catch (error) {
      // Another worker stored it first: the same bytes are fine, different ones are not.
      const stored = await this.readResult(jobId);
      if (!stored) throw error;
      sameResult(stored, result);
    }
  }

  async discard(jobId: string): Promise<void> {
    await this.db.deleteFrom('compute_artifacts').where('job_id', '=', checked(jobId, 'job id')).execute();
  }

  private async read(jobId: string, name: string): Promise<Uint8Array | undefined> {
    const parts = await this.parts(jobId, name);
    if (parts === 0) return undefined;
    const chunks: Uint8Array[] = [];
    for (let part = 0; part < parts; part++) chunks.push(await this.part(jobId, name, part));
    return Buffer.concat(chunks);
  }

  private async insert(trx: Kysely<ComputeArtifactTables>, jobId: string, name: string, bytes: Uint8Array): Promise<void> {
    const count = Math.max(1, Math.ceil(bytes.length / PART_BYTES));
    for (let part = 0; part < count; part++) {
      const slice = bytes.subarray(part * PART_BYTES, (part + 1) * PART_BYTES);
      await trx.insertInto('compute_artifacts').values({ job_id: checked(jobId, 'job id'), name, part, bytes: Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength) }).execute();
    }
  }

  /** How many parts the artifact has; 0 when it is not stored. */
  private async parts(jobId: string, name: string): Promise<number> {
    const rows = await this.db.selectFrom('compute_artifacts').select('part').where('job_id', '=', checked(jobId, 'job id')).where('name', '=', name).orderBy('part').execute();
    if (rows.some((row, i) => row.part !== i)) throw new SluiceError('INTERNAL', 'a stored job artifact has missing parts');
    return rows.length;
  }

  private async part(jobId: string, name: string, part: number): Promise<Uint8Array> {
    const row = await this.db.selectFrom('compute_artifacts').select('bytes').where('job_id', '=', jobId).where('name', '=', name).where('part', '=', part).executeTakeFirstOrThrow();
    return row.bytes;
  }
}
