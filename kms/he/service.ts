import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { fail, migrate, SluiceError, type Database } from '../../common/index.ts';
import { decodePublicKey, loadSeal, needsPlaintextMultiply, PARAMETER_SETS, releaseTotals, warmHeContexts, type DpRelease, type HeScheme, type OperationKind, type ReleasedResult, type SuppressedCell } from '../../compute/he/index.ts';
import { decryptTotals } from './secret/decrypt.ts';
import { keygen } from './secret/keygen.ts';
import { migrations, secretKeyAad, type HeDb, type KeysetRow } from './store.ts';

export type Caller = 'service' | 'worker';

/**
 * What the KMS lends the key-set service; its `KmsPluginContext` satisfies it. Secret keys are
 * stored only as `wrap`ped under the master key, which never leaves the KMS.
 */
export interface HeServiceDeps {
  database: Database<any>;
  /** Throws KMS_SEALED while the KMS is sealed. */
  requireUnsealed(): void;
  wrap(data: Uint8Array, aad: Uint8Array): Uint8Array;
  unwrap(sealed: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Runs `work` in a transaction together with its audit event. */
  audited<T>(
    entry: { caller: Caller; operation: `${string}.${string}`; keyId?: string | null },
    work: (trx: Kysely<any>, note: { version: number | null }) => Promise<T>,
  ): Promise<T>;
}

export interface KeysetCreate {
  jobId: string;
  scheme: HeScheme;
  /** The job's operation; `weightedSum` and `intersectionSum` need a key set whose parameters allow multiplication. */
  operation?: OperationKind;
  minGroupSize?: number;
  /** The owners' differential-privacy terms: every figure decrypted under this key set is noised. */
  dp?: DpRelease;
}

export interface KeysetView {
  keysetId: string;
  jobId: string;
  scheme: HeScheme;
  keyId: string;
  /** Base64 of the public-key artifact. */
  publicKey: string;
}

export interface LiveKeysets {
  keysets: { keysetId: string; jobId: string; createdAt: string }[];
  next: string | null;
}

function view(row: KeysetRow): KeysetView {
  return { keysetId: row.id, jobId: row.job_id, scheme: row.scheme, keyId: row.key_id, publicKey: Buffer.from(row.public_key).toString('base64') };
}

async function load(db: HeDb, id: string): Promise<KeysetRow> {
  const row = await db.selectFrom('kms_he_keysets').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw fail.notFound('key set');
  return row;
}

/**
 * Homomorphic key sets for compute jobs, the KMS's backend for them (routes.ts is the HTTP side):
 * one key set per job; the public key for contributors and workers; the secret key sealed and
 * used only to decrypt the job's own evaluated result (by digest), only after the owners'
 * release, never below the group size, and with the owners' noise and suppression applied
 * before a figure leaves. Callers are authenticated and authorized by the routes.
 */
export class HeKeysets {
  readonly #deps: HeServiceDeps;
  readonly #db: HeDb;

  private constructor(deps: HeServiceDeps) {
    this.#deps = deps;
    this.#db = deps.database.db as HeDb;
  }

  /**
   * The service over its migrated tables. SEAL is loaded before the KMS answers anything (its
   * ~MB of JavaScript would otherwise block the first requests while it compiles); its contexts
   * are built in the background, so the first key set costs milliseconds.
   */
  static async open(deps: HeServiceDeps): Promise<HeKeysets> {
    await migrate(deps.database.db, deps.database.dialect, migrations, 'kms_he');
    await loadSeal();
    void warmHeContexts().catch(() => undefined);
    return new HeKeysets(deps);
  }

  /** The job's key set, made on its first call; `created` is false when the job already had one. */
  async create(caller: Caller, request: KeysetCreate): Promise<{ created: boolean; keyset: KeysetView }> {
    this.#deps.requireUnsealed();
    const { jobId, scheme } = request;
    const plaintextMultiply = request.operation !== undefined && needsPlaintextMultiply(request.operation);
    const existing = await this.#db.selectFrom('kms_he_keysets').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    if (existing) {
      if (existing.destroyed_at !== null) throw fail.conflict('the job’s key set was destroyed');
      const set = PARAMETER_SETS[decodePublicKey(existing.public_key).params]!;
      if (existing.scheme !== scheme || (plaintextMultiply && !set.plaintextMultiply)) {
        throw fail.conflict('the job already has a key set of other parameters');
      }
      return { created: false, keyset: view(existing) };
    }
    const keys = await keygen(scheme, { plaintextMultiply });
    const id = `hks_${randomUUID().replaceAll('-', '')}`;
    const row: KeysetRow = {
      id,
      job_id: jobId,
      scheme,
      key_id: keys.keyId,
      public_key: keys.publicKey,
      secret_key: this.#deps.wrap(keys.secretKey, secretKeyAad(id, jobId)),
      min_group_size: request.minGroupSize ?? 10,
      dp: request.dp ? JSON.stringify(request.dp) : null,
      result_digest: null,
      approvals: null,
      released_at: null,
      created_at: Date.now(),
      destroyed_at: null,
    };
    keys.secretKey.fill(0);
    // Two concurrent creates for one job: the first insert wins and both answer with it.
    const stored = await this.#deps.audited({ caller, operation: 'he.keyset.create', keyId: id }, async (trx) => {
      const raced = await (trx as HeDb).selectFrom('kms_he_keysets').selectAll().where('job_id', '=', jobId).executeTakeFirst();
      if (raced) return raced;
      await (trx as HeDb).insertInto('kms_he_keysets').values(row).execute();
      return row;
    });
    return { created: stored.id === row.id, keyset: view(stored) };
  }

  /**
   * Key sets not yet destroyed, by id. The gateway's sweep compares these with its live jobs: a
   * key set created after the gateway gave up on the call (a stalled KMS finishing late) has no
   * job, and is destroyed.
   */
  async live(after: string | undefined, limit: number): Promise<LiveKeysets> {
    let query = this.#db.selectFrom('kms_he_keysets').select(['id', 'job_id', 'created_at']).where('destroyed_at', 'is', null).orderBy('id').limit(limit);
    if (after) query = query.where('id', '>', after);
    const rows = await query.execute();
    return { keysets: rows.map((r) => ({ keysetId: r.id, jobId: r.job_id, createdAt: new Date(Number(r.created_at)).toISOString() })), next: rows.length === limit ? rows.at(-1)!.id : null };
  }

  async publicView(id: string): Promise<KeysetView> {
    return view(await load(this.#db, id));
  }

  /**
   * The worker reports the digest of what it evaluated: the KMS will decrypt that ciphertext and
   * no other, so the key set cannot be turned into a decryption oracle for inputs.
   */
  async recordResult(caller: Caller, id: string, digest: string): Promise<void> {
    const row = await load(this.#db, id);
    if (row.destroyed_at !== null) throw fail.conflict('the job’s key set was destroyed');
    if (row.result_digest !== null) {
      // A re-run of the job evaluates the same ciphertexts to the same bytes.
      if (row.result_digest !== digest) throw fail.conflict('a different result was already recorded for this job');
      return;
    }
    await this.#deps.audited({ caller, operation: 'he.keyset.result', keyId: id }, (trx) =>
      (trx as HeDb).updateTable('kms_he_keysets').set({ result_digest: digest }).where('id', '=', id).where('result_digest', 'is', null).execute(),
    );
  }

  /** The owners released the job's result: from now on it decrypts. */
  async release(caller: Caller, id: string, approvals: unknown[]): Promise<void> {
    await this.#markOnce({ caller, operation: 'he.keyset.release' }, id, 'released_at', { approvals: JSON.stringify(approvals) });
  }

  /**
   * The released figure of the job's evaluated result: decrypted, then noised and suppressed
   * here, so the exact figure never leaves the KMS.
   */
  async decrypt(caller: Caller, id: string, ciphertext: Uint8Array, suppress?: SuppressedCell[]): Promise<ReleasedResult> {
    this.#deps.requireUnsealed();
    return this.#deps.audited({ caller, operation: 'he.keyset.decrypt', keyId: id }, async (trx) => {
      const row = await load(trx as HeDb, id);
      if (row.destroyed_at !== null) throw new SluiceError('KEY_DESTROYED', 'the job’s key set was destroyed; nothing under it decrypts');
      if (row.released_at === null) throw new SluiceError('RESULT_NOT_RELEASED', 'the owners have not released this result');
      const digest = createHash('sha256').update(ciphertext).digest('hex');
      if (row.result_digest === null || digest !== row.result_digest) {
        throw new SluiceError('DECRYPT_FAILED', 'only the evaluated result of this job can be decrypted');
      }
      const secretKey = this.#deps.unwrap(row.secret_key, secretKeyAad(row.id, row.job_id));
      try {
        const totals = await decryptTotals(secretKey, ciphertext, { minGroupSize: row.min_group_size });
        return releaseTotals(totals, {
          floor: row.min_group_size,
          ...(row.dp ? { dp: JSON.parse(row.dp) as DpRelease } : {}),
          ...(suppress ? { suppress } : {}),
        });
      } finally {
        secretKey.fill(0);
      }
    });
  }

  /**
   * The job ended (released or failed): the secret key is deleted, so ciphertexts of the job left
   * on workers, in backups or abroad can never be decrypted.
   */
  async destroy(caller: Caller, id: string): Promise<void> {
    await this.#markOnce({ caller, operation: 'he.keyset.destroy' }, id, 'destroyed_at', { secret_key: new Uint8Array(0) });
  }

  /** Sets `column` to now, with `also`, in one audited transaction; once set, later calls change nothing. */
  async #markOnce(entry: { caller: Caller; operation: `he.keyset.${string}` }, id: string, column: 'released_at' | 'destroyed_at', also: Partial<KeysetRow>): Promise<void> {
    const row = await load(this.#db, id);
    if (row[column] !== null) return;
    await this.#deps.audited({ ...entry, keyId: id }, (trx) =>
      (trx as HeDb)
        .updateTable('kms_he_keysets')
        .set({ ...also, [column]: Date.now() })
        .where('id', '=', id)
        .where(column, 'is', null)
        .execute(),
    );
  }
}
