import type { Kysely } from 'kysely';
import { fail, SluiceError, type Logger } from '../common/index.ts';
import { AeadError, canonicalBytes, combineShares, open, randomBytes, seal, splitSecret } from '../crypto/index.ts';
import { appendAudit, type AuditedStore } from './audit.ts';
import { BARRIER_ALG, MASTER_KEY_BYTES, type Barrier } from './barrier.ts';
import type { KmsConfig } from './config.ts';
import { createKekFile, newScryptParams, passphraseKek, readKekFile, type ScryptParams } from './kek.ts';
import type { Mutex } from './mutex.ts';
import type { KmsSchema } from './schema.ts';
import type { Caller, SealStatus } from './types.ts';

const MASTER_AAD = canonicalBytes({ purpose: 'sluice-kms/master-key', format: 1 });
export const MAX_SHARES = 16;

type SealRecord = KmsSchema['kms_seal'];
export type SealConfig = Pick<KmsConfig, 'seal' | 'passphrase' | 'unsealKeyFile'>;

/**
 * Owns the master key's life: creates it on first start, seals it at rest under the mode's KEK,
 * and unseals it into the barrier — automatically at start in file and passphrase modes, from
 * operator-held Shamir shares in shamir mode. Mode changes of an initialized store are refused.
 */
export class SealManager {
  readonly #db: Kysely<KmsSchema>;
  readonly #mutex: Mutex;
  readonly #logger: Logger;
  readonly #barrier: Barrier;
  readonly #config: SealConfig;
  #record: SealRecord | undefined;
  #pending: Uint8Array[] = [];

  constructor(store: AuditedStore, barrier: Barrier, config: SealConfig) {
    this.#db = store.db;
    this.#mutex = store.mutex;
    this.#logger = store.logger;
    this.#barrier = barrier;
    this.#config = config;
  }

  /** Loads the seal record and, outside shamir mode, unseals; startup fails rather than run with a wrong key. */
  async start(): Promise<void> {
    this.#record = await this.#db.selectFrom('kms_seal').selectAll().where('id', '=', 1).executeTakeFirst();
    const mode = this.#config.seal;
    if (this.#record && this.#record.mode !== mode) {
      throw new Error(`the KMS store was initialized in ${this.#record.mode} seal mode; SLUICE_KMS_SEAL=${mode} cannot open it`);
    }
    if (mode === 'shamir') {
      this.#logger.info({ initialized: this.#record !== undefined }, 'KMS started sealed; unseal with operator shares');
      return;
    }
    const kek = mode === 'file' ? await this.#fileKek() : await this.#passphraseKek();
    try {
      this.#barrier.unseal(this.#openMaster(kek));
    } catch (error) {
      if (error instanceof AeadError) throw new Error(`the ${mode} unseal key does not open the stored master key`);
      throw error;
    } finally {
      kek.fill(0);
    }
    this.#logger.info({ mode }, 'KMS unsealed');
  }

  status(): SealStatus {
    const shamir = this.#config.seal === 'shamir';
    return {
      sealed: this.#barrier.sealed,
      initialized: this.#record !== undefined,
      mode: this.#config.seal,
      threshold: shamir ? (this.#record?.threshold ?? null) : null,
      progress: shamir ? this.#pending.length : null,
      shares: shamir ? (this.#record?.shares ?? null) : null,
    };
  }

  /** Shamir mode, once: creates the master key and returns the KEK's shares, which are never stored. */
  init(caller: Caller, shares: number, threshold: number): Promise<string[]> {
    return this.#mutex.run(async () => {
      this.#requireShamir();
      if (this.#record) throw fail.conflict('the KMS is already initialized');
      if (threshold > shares) throw fail.validation('threshold must not exceed shares');
      const kek = randomBytes(MASTER_KEY_BYTES);
      try {
        const parts = splitSecret(kek, shares, threshold);
        this.#record = await this.#db.transaction().execute(async (trx) => {
          const record = await this.#create(trx, kek, { threshold, shares });
          await appendAudit(trx, { caller, operation: 'sys.init', outcome: 'ok' });
          return record;
        });
        return parts.map((part) => Buffer.from(part).toString('base64'));
      } finally {
        kek.fill(0);
      }
    });
  }

  /** Shamir mode: adds one share; at the threshold, reconstructs the KEK and opens the master key. */
  unseal(caller: Caller, share: Uint8Array): Promise<SealStatus> {
    return this.#mutex.run(async () => {
      this.#requireShamir();
      const record = this.#record;
      if (!record) throw fail.conflict('the KMS is not initialized; POST /v1/sys/init first');
      if (!this.#barrier.sealed) return this.status();
      if (share.length !== MASTER_KEY_BYTES + 1) throw fail.validation('share has the wrong length');
      if (this.#pending.some((held) => Buffer.compare(held, share) === 0)) return this.status();
      this.#pending.push(share);
      if (this.#pending.length < (record.threshold ?? 1)) return this.status();
      const master = this.#reconstruct();
      try {
        await this.#audit(caller, 'sys.unseal', master ? null : 'DECRYPT_FAILED');
      } catch (error) {
        master?.fill(0);
        throw error;
      }
      if (!master) throw new SluiceError('DECRYPT_FAILED', 'the shares do not reconstruct the unseal key; unseal progress was reset');
      this.#barrier.unseal(master);
      this.#logger.info('KMS unsealed by operator shares');
      return this.status();
    });
  }

  /** Drops the master key from memory; every key operation then answers KMS_SEALED. */
  seal(caller: Caller): Promise<SealStatus> {
    return this.#mutex.run(async () => {
      this.#barrier.seal();
      this.#clearPending();
      await this.#audit(caller, 'sys.seal', null);
      this.#logger.warn({ mode: this.#config.seal }, 'KMS sealed');
      return this.status();
    });
  }

  async #fileKek(): Promise<Uint8Array> {
    const file = this.#config.unsealKeyFile;
    const existing = readKekFile(file, this.#logger);
    if (this.#record) {
      if (!existing) throw new Error(`unseal key file ${file} is missing; the KMS store cannot be opened without it`);
      return existing;
    }
    const kek = existing ?? createKekFile(file);
    this.#record = await this.#create(this.#db, kek, {});
    return kek;
  }

  async #passphraseKek(): Promise<Uint8Array> {
    const passphrase = this.#config.passphrase;
    if (passphrase === undefined) throw new Error('SLUICE_KMS_PASSPHRASE is not set');
    if (this.#record) return passphraseKek(passphrase, JSON.parse(this.#record.kdf ?? 'null') as ScryptParams);
    const params = newScryptParams();
    const kek = await passphraseKek(passphrase, params);
    this.#record = await this.#create(this.#db, kek, { kdf: JSON.stringify(params) });
    return kek;
  }

  /** A fresh master key, stored only sealed under `kek`. */
  async #create(db: Kysely<KmsSchema>, kek: Uint8Array, extra: Partial<SealRecord>): Promise<SealRecord> {
    const master = randomBytes(MASTER_KEY_BYTES);
    const record: SealRecord = {
      id: 1,
      mode: this.#config.seal,
      sealed_master: seal(BARRIER_ALG, kek, master, MASTER_AAD),
      kdf: null,
      threshold: null,
      shares: null,
      created_at: new Date().toISOString(),
      ...extra,
    };
    master.fill(0);
    await db.insertInto('kms_seal').values(record).execute();
    return record;
  }

  /** The master key from the pending shares, or undefined when they are not a valid set; clears them either way. */
  #reconstruct(): Uint8Array | undefined {
    let kek: Uint8Array | undefined;
    try {
      kek = combineShares(this.#pending);
      return this.#openMaster(kek);
    } catch {
      return undefined;
    } finally {
      kek?.fill(0);
      this.#clearPending();
    }
  }

  #openMaster(kek: Uint8Array): Uint8Array {
    return open(BARRIER_ALG, kek, this.#record!.sealed_master, MASTER_AAD);
  }

  #requireShamir(): void {
    if (this.#config.seal !== 'shamir') {
      throw fail.conflict(`this KMS unseals automatically (${this.#config.seal} mode) at start; restart it to unseal`);
    }
  }

  #clearPending(): void {
    for (const share of this.#pending) share.fill(0);
    this.#pending = [];
  }

  #audit(caller: Caller, operation: 'sys.unseal' | 'sys.seal', code: 'DECRYPT_FAILED' | null): Promise<unknown> {
    return this.#db.transaction().execute((trx) => appendAudit(trx, { caller, operation, outcome: code ? 'error' : 'ok', code }));
  }
}
