import type { Kysely } from 'kysely';
import { fail, SluiceError } from '../common/index.ts';
import { AeadError, canonicalBytes, open, randomBytes, seal } from '../crypto/index.ts';
import { audited, type AuditEntry, type AuditedStore, type AuditNote } from './audit.ts';
import type { Barrier } from './barrier.ts';
import { CIPHERTEXT_FORMAT, formatCiphertext, parseCiphertext } from './ciphertext.ts';
import type { KmsSchema } from './schema.ts';
import type {
  Caller,
  CreatedKey,
  DataKey,
  EncryptionContext,
  KeyAlg,
  KeyMetadata,
  KeyPolicy,
  KeyState,
  KeyUsage,
} from './types.ts';

type Db = Kysely<KmsSchema>;
type KeyRow = KmsSchema['kms_keys'];

const ALG: Record<KeyAlg, { aead: 'SM4-GCM' | 'AES-256-GCM'; bytes: number }> = {
  SM4: { aead: 'SM4-GCM', bytes: 16 },
  'AES-256-GCM': { aead: 'AES-256-GCM', bytes: 32 },
};

export interface CreateKeyInput {
  alg: KeyAlg;
  purpose?: string | undefined;
  policy?: KeyPolicy | undefined;
}

/** Material of one version is sealed under the master key bound to exactly that key and version. */
function versionAad(keyId: string, version: number): Uint8Array {
  return canonicalBytes({ purpose: 'sluice-kms/key-version', keyId, version });
}

/** The caller's context, the key and the version are all authenticated with the data. */
function dataAad(keyId: string, version: number, context: EncryptionContext): Uint8Array {
  return canonicalBytes({ format: CIPHERTEXT_FORMAT, keyId, version, context });
}

function newKeyId(): string {
  return 'key_' + Buffer.from(randomBytes(16)).toString('base64url');
}

/**
 * Key lifecycle and envelope operations. Every call runs under the store mutex in one
 * transaction together with its audit event, so no operation succeeds unaudited and a crash
 * never leaves a half-rotated or half-destroyed key.
 */
export class KeyService {
  readonly #store: AuditedStore;
  readonly #db: Db;
  readonly #barrier: Barrier;

  constructor(store: AuditedStore, barrier: Barrier) {
    this.#store = store;
    this.#db = store.db;
    this.#barrier = barrier;
  }

  create(caller: Caller, input: CreateKeyInput): Promise<CreatedKey> {
    const keyId = newKeyId();
    return this.#audited({ caller, operation: 'create', keyId }, async (trx, note) => {
      const now = new Date().toISOString();
      await trx
        .insertInto('kms_keys')
        .values({
          id: keyId,
          alg: input.alg,
          purpose: input.purpose ?? null,
          state: 'active',
          policy: input.policy ? JSON.stringify(input.policy) : null,
          latest_version: 1,
          min_decrypt_version: 1,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await this.#addVersion(trx, keyId, input.alg, 1, now);
      note.version = 1;
      return { keyId, version: 1 };
    });
  }

  async list(after: string | undefined, limit: number): Promise<{ keys: KeyMetadata[]; next: string | null }> {
    this.#barrier.requireUnsealed();
    let query = this.#db.selectFrom('kms_keys').selectAll().orderBy('id').limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    const rows = await query.execute();
    const versions = await this.#versionsOf(this.#db, rows.map((r) => r.id));
    return {
      keys: rows.map((row) => toMetadata(row, versions.get(row.id) ?? [])),
      next: rows.length === limit ? rows[rows.length - 1]!.id : null,
    };
  }

  async get(keyId: string): Promise<KeyMetadata> {
    this.#barrier.requireUnsealed();
    const row = await this.#row(this.#db, keyId);
    const versions = await this.#versionsOf(this.#db, [keyId]);
    return toMetadata(row, versions.get(keyId) ?? []);
  }

  dataKey(caller: Caller, keyId: string, context: EncryptionContext, bytes?: number): Promise<DataKey> {
    return this.#audited({ caller, operation: 'datakey', keyId, context }, async (trx, note) => {
      const row = await this.#usable(trx, keyId, 'datakey', context);
      const plaintext = randomBytes(bytes ?? ALG[row.alg as KeyAlg].bytes);
      const { ciphertext, version } = await this.#encrypt(trx, row, plaintext, context);
      note.version = version;
      return { plaintext, ciphertext, version };
    });
  }

  encrypt(caller: Caller, keyId: string, plaintext: Uint8Array, context: EncryptionContext): Promise<{ ciphertext: string; version: number }> {
    return this.#audited({ caller, operation: 'encrypt', keyId, context }, async (trx, note) => {
      const row = await this.#usable(trx, keyId, 'encrypt', context);
      const result = await this.#encrypt(trx, row, plaintext, context);
      note.version = result.version;
      return result;
    });
  }

  decrypt(caller: Caller, keyId: string, ciphertext: string, context: EncryptionContext): Promise<Uint8Array> {
    return this.#audited({ caller, operation: 'decrypt', keyId, context }, async (trx, note) => {
      const row = await this.#usable(trx, keyId, 'decrypt', context);
      return this.#decrypt(trx, row, ciphertext, context, note);
    });
  }

  /** Re-encrypts under the newest version; the plaintext never leaves the process. */
  rewrap(caller: Caller, keyId: string, ciphertext: string, context: EncryptionContext): Promise<{ ciphertext: string; version: number }> {
    return this.#audited({ caller, operation: 'rewrap', keyId, context }, async (trx, note) => {
      const row = await this.#usable(trx, keyId, 'rewrap', context);
      const plaintext = await this.#decrypt(trx, row, ciphertext, context, note);
      try {
        const result = await this.#encrypt(trx, row, plaintext, context);
        note.version = result.version;
        return result;
      } finally {
        plaintext.fill(0);
      }
    });
  }

  rotate(caller: Caller, keyId: string): Promise<number> {
    return this.#audited({ caller, operation: 'rotate', keyId }, async (trx, note) => {
      const row = await this.#live(trx, keyId);
      const version = Number(row.latest_version) + 1;
      const now = new Date().toISOString();
      await this.#addVersion(trx, keyId, row.alg as KeyAlg, version, now);
      await trx.updateTable('kms_keys').set({ latest_version: version, updated_at: now }).where('id', '=', keyId).execute();
      note.version = version;
      return version;
    });
  }

  /** Crypto-shredding: the material of every version is deleted; the metadata stays so callers learn 410. */
  destroy(caller: Caller, keyId: string): Promise<void> {
    return this.#audited({ caller, operation: 'destroy', keyId }, async (trx) => {
      await this.#row(trx, keyId);
      await trx.deleteFrom('kms_key_versions').where('key_id', '=', keyId).execute();
      await trx.updateTable('kms_keys').set({ state: 'destroyed', updated_at: new Date().toISOString() }).where('id', '=', keyId).execute();
      this.#barrier.forget(`${keyId}/`);
    });
  }

  setState(caller: Caller, keyId: string, state: 'active' | 'disabled'): Promise<KeyMetadata> {
    return this.#audited({ caller, operation: state === 'active' ? 'enable' : 'disable', keyId }, async (trx) => {
      const row = await this.#live(trx, keyId);
      const updated = { ...row, state, updated_at: new Date().toISOString() };
      await trx.updateTable('kms_keys').set({ state, updated_at: updated.updated_at }).where('id', '=', keyId).execute();
      return toMetadata(updated, (await this.#versionsOf(trx, [keyId])).get(keyId) ?? []);
    });
  }

  /** Raising the minimum decryption version retires older ciphertexts (rewrap them first). */
  configure(caller: Caller, keyId: string, minDecryptVersion: number): Promise<KeyMetadata> {
    return this.#audited({ caller, operation: 'configure', keyId }, async (trx, note) => {
      const row = await this.#live(trx, keyId);
      if (minDecryptVersion > Number(row.latest_version)) throw fail.validation('minDecryptVersion exceeds the latest version');
      const updated = { ...row, min_decrypt_version: minDecryptVersion, updated_at: new Date().toISOString() };
      await trx
        .updateTable('kms_keys')
        .set({ min_decrypt_version: minDecryptVersion, updated_at: updated.updated_at })
        .where('id', '=', keyId)
        .execute();
      note.version = minDecryptVersion;
      return toMetadata(updated, (await this.#versionsOf(trx, [keyId])).get(keyId) ?? []);
    });
  }

  #audited<T>(entry: Omit<AuditEntry, 'outcome' | 'version' | 'code'>, work: (trx: Db, note: AuditNote) => Promise<T>): Promise<T> {
    return audited(this.#store, entry, (trx, note) => {
      this.#barrier.requireUnsealed();
      return work(trx, note);
    });
  }

  async #row(db: Db, keyId: string): Promise<KeyRow> {
    const row = await db.selectFrom('kms_keys').selectAll().where('id', '=', keyId).executeTakeFirst();
    if (!row) throw fail.notFound('key');
    return row;
  }

  /** A key whose material still exists. */
  async #live(db: Db, keyId: string): Promise<KeyRow> {
    const row = await this.#row(db, keyId);
    if (row.state === 'destroyed') throw new SluiceError('KEY_DESTROYED', 'the key was destroyed; data under it cannot be recovered');
    return row;
  }

  /** A live, enabled key whose policy allows this use with this context. */
  async #usable(db: Db, keyId: string, usage: KeyUsage, context: EncryptionContext): Promise<KeyRow> {
    const row = await this.#live(db, keyId);
    if (row.state === 'disabled') throw new SluiceError('KEY_DISABLED', 'the key is disabled');
    const policy = parsePolicy(row.policy);
    if (policy?.allowedOperations && !policy.allowedOperations.includes(usage)) {
      throw fail.forbidden(`the key's policy does not allow ${usage}`);
    }
    const missing = (policy?.contextRequired ?? []).filter((name) => context[name] === undefined || context[name] === null || context[name] === '');
    if (missing.length > 0) throw fail.validation('the encryption context lacks entries the key policy requires', { missing });
    return row;
  }

  async #encrypt(db: Db, row: KeyRow, plaintext: Uint8Array, context: EncryptionContext): Promise<{ ciphertext: string; version: number }> {
    const version = Number(row.latest_version);
    const material = await this.#material(db, row.id, version);
    if (!material) throw new SluiceError('INTERNAL', 'key material of the latest version is missing');
    const sealed = seal(ALG[row.alg as KeyAlg].aead, material, plaintext, dataAad(row.id, version, context));
    return { ciphertext: formatCiphertext(version, sealed), version };
  }

  async #decrypt(db: Db, row: KeyRow, ciphertext: string, context: EncryptionContext, note: AuditNote): Promise<Uint8Array> {
    const { version, sealed } = parseCiphertext(ciphertext);
    note.version = version;
    if (version > Number(row.latest_version)) throw decryptFailed();
    if (version < Number(row.min_decrypt_version)) {
      throw fail.forbidden("the ciphertext's key version is below the key's minimum decryption version");
    }
    const material = await this.#material(db, row.id, version);
    if (!material) throw decryptFailed();
    try {
      return open(ALG[row.alg as KeyAlg].aead, material, sealed, dataAad(row.id, version, context));
    } catch (error) {
      if (error instanceof AeadError) throw decryptFailed();
      throw error;
    }
  }

  #material(db: Db, keyId: string, version: number): Promise<Uint8Array | undefined> {
    const stored = () =>
      db
        .selectFrom('kms_key_versions')
        .select('material')
        .where('key_id', '=', keyId)
        .where('version', '=', version)
        .executeTakeFirst()
        .then((r) => r?.material);
    return this.#barrier.unwrapCached(`${keyId}/${version}`, stored, versionAad(keyId, version));
  }

  async #addVersion(db: Db, keyId: string, alg: KeyAlg, version: number, now: string): Promise<void> {
    const material = randomBytes(ALG[alg].bytes);
    try {
      await db
        .insertInto('kms_key_versions')
        .values({ key_id: keyId, version, material: this.#barrier.wrap(material, versionAad(keyId, version)), created_at: now })
        .execute();
    } finally {
      material.fill(0);
    }
  }

  async #versionsOf(db: Db, keyIds: string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (keyIds.length === 0) return out;
    const rows = await db.selectFrom('kms_key_versions').select(['key_id', 'version']).where('key_id', 'in', keyIds).orderBy('version').execute();
    for (const row of rows) {
      const list = out.get(row.key_id) ?? [];
      list.push(Number(row.version));
      out.set(row.key_id, list);
    }
    return out;
  }
}

function decryptFailed(): SluiceError {
  return new SluiceError('DECRYPT_FAILED', 'ciphertext does not decrypt under this key and context');
}

function parsePolicy(text: string | null): KeyPolicy | null {
  return text === null ? null : (JSON.parse(text) as KeyPolicy);
}

function toMetadata(row: KeyRow, versions: number[]): KeyMetadata {
  return {
    keyId: row.id,
    alg: row.alg as KeyAlg,
    purpose: row.purpose,
    state: row.state as KeyState,
    latestVersion: Number(row.latest_version),
    versions,
    minDecryptVersion: Number(row.min_decrypt_version),
    policy: parsePolicy(row.policy),
    created: row.created_at,
    updated: row.updated_at,
  };
}
