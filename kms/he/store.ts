import type { Kysely } from 'kysely';
import type { VersionedMigration } from '../../common/index.ts';
import type { HeScheme } from '../../compute/he/index.ts';

export interface KeysetRow {
  id: string;
  job_id: string;
  scheme: HeScheme;
  key_id: string;
  public_key: Uint8Array;
  /** The secret key sealed under the KMS master key; AAD binds it to this keyset and job. Empty once destroyed. */
  secret_key: Uint8Array;
  min_group_size: number;
  /** JSON `DpRelease` (compute/disclosure/noise.ts) when every figure decrypted under the key set is noised. */
  dp: string | null;
  /** Hex SHA-256 of the evaluated result the worker reported; the only ciphertext decrypted. */
  result_digest: string | null;
  /** JSON array of the approvals the gateway presented. */
  approvals: string | null;
  released_at: number | null;
  created_at: number;
  /** When the job ended and its secret key was deleted: nothing under this key set decrypts again. */
  destroyed_at: number | null;
}

export interface HeSchema {
  kms_he_keysets: KeysetRow;
}

export type HeDb = Kysely<HeSchema>;

export const migrations: Record<string, VersionedMigration> = {
  '0001_keysets': (types) => ({
    up: async (db) => {
      await db.schema
        .createTable('kms_he_keysets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull().unique())
        .addColumn('scheme', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('public_key', types.blob, (c) => c.notNull())
        .addColumn('secret_key', types.blob, (c) => c.notNull())
        .addColumn('min_group_size', 'integer', (c) => c.notNull())
        .addColumn('dp', 'text')
        .addColumn('result_digest', 'text')
        .addColumn('approvals', 'text')
        .addColumn('released_at', types.bigint)
        .addColumn('created_at', types.bigint, (c) => c.notNull())
        .execute();
    },
  }),
  '0002_keyset_destruction': (types) => ({
    up: async (db) => {
      await db.schema.alterTable('kms_he_keysets').addColumn('destroyed_at', types.bigint).execute();
    },
  }),
};

/** What the sealed secret key is bound to: unwrapping it for another keyset or job fails. */
export function secretKeyAad(keysetId: string, jobId: string): Uint8Array {
  return new TextEncoder().encode(`sluice/kms/he/secret-key/v1\u0000${keysetId}\u0000${jobId}`);
}
