import { SluiceError } from '../../common/index.ts';
import type { ColumnSpec, DpRelease, HeScheme } from '../../compute/index.ts';
import type { KeysetPublic } from '../../kms/index.ts';
import { declaredScheme, paramsOf, schemeFor, specOf } from './request.ts';
import type { CreateJobBody } from './schemas.ts';
import type { ComputeRuntime } from './runtime.ts';
import type { ComputeJobsTable } from './tables.ts';

/**
 * The owners' columns encrypted under the job's key set while later columns are still being
 * read. The key set is requested as the job starts, on the scheme the request fixes or, when
 * the values decide, on BFV — until a value with a fraction shows up: then that key set is
 * destroyed and the columns go under a CKKS one (labelled `<jobId>.ckks` in the KMS, which
 * keeps one key set per label). Each key set is written to the job row as soon as it exists,
 * so whatever happens to the job, the sweep or `discard` destroys it.
 */
export class InputEncryption {
  readonly #rt: ComputeRuntime;
  readonly #job: ComputeJobsTable;
  readonly #body: CreateJobBody;
  readonly #dp: DpRelease | undefined;
  readonly #spec: ColumnSpec;
  readonly #declared: HeScheme | undefined;
  /** Whether the values' being integers matters: BFV without decimals, for a sum of values. */
  readonly #integersMatter: boolean;
  readonly #columns: (readonly number[])[] = [];
  /** Every column added while integers mattered held integers only. */
  #integral = true;
  #scheme: HeScheme;
  #keyset: Promise<KeysetPublic>;
  #encrypted: Promise<Uint8Array>[] = [];
  #destroying: Promise<void> | undefined;

  /** `dp`: the noise the owners' contracts require, fixed in the key set so the KMS adds it to whatever it decrypts. */
  constructor(rt: ComputeRuntime, job: ComputeJobsTable, body: CreateJobBody, dp: DpRelease | undefined) {
    this.#rt = rt;
    this.#job = job;
    this.#body = body;
    this.#dp = dp;
    this.#spec = specOf(body.operation, paramsOf(body));
    this.#declared = declaredScheme(body);
    this.#integersMatter = body.decimals === undefined && body.operation !== 'histogram' && body.operation !== 'count';
    this.#scheme = this.#declared ?? ((body.weights ?? []).every(Number.isInteger) ? 'bfv' : 'ckks');
    this.#keyset = this.#createKeyset(job.id);
  }

  /**
   * One owner's column, in input order; its encryption starts as soon as the key set exists.
   * Each column is checked for fractions once, here: where the values decide, the first one
   * moves the job to CKKS; where BFV was asked, `settle` refuses the job.
   */
  add(values: readonly number[]): void {
    this.#columns.push(values);
    if (this.#integersMatter && this.#integral && this.#scheme === 'bfv' && !values.every(Number.isInteger)) {
      this.#integral = false;
      if (this.#declared === undefined) {
        this.#switchToCkks();
        return;
      }
    }
    this.#encrypted.push(this.#encrypt(values));
  }

  /** Once every column was added: the job's scheme, its key set and the encrypted columns. */
  async settle(): Promise<{ scheme: HeScheme; keysetId: string; encrypted: Uint8Array[] }> {
    const scheme = schemeFor(this.#body, this.#integral);
    if (scheme !== this.#scheme) throw new SluiceError('INTERNAL', 'the job’s scheme changed after its columns were encrypted');
    await this.#destroying;
    const keyset = await this.#keyset;
    return { scheme, keysetId: keyset.keysetId, encrypted: await Promise.all(this.#encrypted) };
  }

  /** For a job that does not go on: its key sets are destroyed and the columns dropped. */
  async discard(): Promise<void> {
    const keyset = await this.#keyset.catch(() => undefined);
    await Promise.all([this.#destroying, keyset && this.#rt.ctx.compute.keysets.destroy(keyset.keysetId)]);
  }

  #switchToCkks(): void {
    const guessed = this.#keyset;
    this.#destroying = guessed.then(
      (keyset) => this.#rt.ctx.compute.keysets.destroy(keyset.keysetId),
      () => undefined,
    );
    this.#destroying.catch(() => undefined);
    this.#scheme = 'ckks';
    this.#keyset = this.#createKeyset(`${this.#job.id}.ckks`);
    this.#encrypted = this.#columns.map((values) => this.#encrypt(values));
  }

  #createKeyset(label: string): Promise<KeysetPublic> {
    const request = { jobId: label, scheme: this.#scheme, operation: this.#spec.operation, minGroupSize: this.#job.min_group_size, ...(this.#dp ? { dp: this.#dp } : {}) };
    const created: Promise<KeysetPublic> = this.#rt.ctx.compute.keysets.createKeyset(request).then(async (keyset) => {
      // A guessed key set answering after its replacement must not take the row back.
      if (this.#keyset === created) await this.#rt.ctx.db.updateTable('compute_jobs').set({ keyset_id: keyset.keysetId }).where('id', '=', this.#job.id).execute();
      return keyset;
    });
    // Awaited by `settle` or `discard`; a job refused before either must not crash the process.
    created.catch(() => undefined);
    return created;
  }

  #encrypt(values: readonly number[]): Promise<Uint8Array> {
    const column = this.#keyset.then(async (keyset) => (await this.#rt.ctx.compute.encryption.encryptColumns(keyset.publicKey, [values], this.#spec))[0]!);
    column.catch(() => undefined);
    return column;
  }
}
