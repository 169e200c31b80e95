import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from '../common/index.ts';
import type { AuditEntry, AuditNote } from './audit.ts';
import type { KmsDatabase } from './store.ts';
import type { KmsSchema } from './schema.ts';
import type { Caller } from './types.ts';

/**
 * What a KMS extension (the homomorphic-encryption key sets of `kms/he/`) may use. Secrets it
 * stores go through `wrap`/`unwrap` (sealed under the master key; the AAD must name what is
 * sealed); its changes go through `audited` so they join the audit chain. Its tables are its
 * own: migrate them with `migrate(database.db, database.dialect, migrations, 'kms_<name>')`.
 */
export interface KmsPluginContext {
  database: KmsDatabase;
  logger: Logger;
  /** Throws KMS_SEALED while sealed. */
  requireUnsealed(): void;
  wrap(data: Uint8Array, aad: Uint8Array): Uint8Array;
  unwrap(sealed: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Runs `work` in a transaction under the store mutex together with its audit event. */
  audited<T>(entry: Omit<AuditEntry, 'outcome' | 'version' | 'code'>, work: (trx: Kysely<KmsSchema>, note: AuditNote) => Promise<T>): Promise<T>;
  /** The authenticated caller of a request. */
  callerOf(request: FastifyRequest): Caller;
}

/**
 * Registered inside the authenticated scope: every route needs the service token unless it
 * declares `config: { access: 'worker' }` — for what a compute worker may do (read public and
 * evaluation keys, report its own job's result), never for anything that returns a secret.
 */
export interface KmsPlugin {
  name: string;
  register(scope: FastifyInstance, context: KmsPluginContext): Promise<void>;
}
