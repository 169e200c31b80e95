import type { ErrorCode, VersionedMigration } from '../common/index.ts';
import type { AuditOperation, Caller } from './types.ts';

/** Tables of the KMS store. Nothing here is key material in the clear: see barrier.ts. */
export interface KmsSchema {
  kms_seal: {
    id: number;
    mode: string;
    /** The master key sealed (SM4-GCM) under the key-encryption key of the seal mode. */
    sealed_master: Uint8Array;
    /** Passphrase mode: JSON scrypt parameters and salt. */
    kdf: string | null;
    threshold: number | null;
    shares: number | null;
    created_at: string;
  };
  kms_keys: {
    id: string;
    alg: string;
    purpose: string | null;
    state: string;
    policy: string | null;
    latest_version: number;
    min_decrypt_version: number;
    created_at: string;
    updated_at: string;
  };
  kms_key_versions: {
    key_id: string;
    version: number;
    /** Version material sealed under the master key with AAD binding key id and version. */
    material: Uint8Array;
    created_at: string;
  };
  kms_audit: {
    seq: number;
    time: string;
    caller: Caller;
    operation: AuditOperation;
    key_id: string | null;
    version: number | null;
    context_digest: string | null;
    outcome: 'ok' | 'error';
    code: ErrorCode | null;
    prev_hash: string;
    hash: string;
  };
}

export const kmsMigrations: Record<string, VersionedMigration> = {
  '0001_kms_init': (types) => ({
    up: async (db) => {
      await db.schema
        .createTable('kms_seal')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('sealed_master', types.blob, (c) => c.notNull())
        .addColumn('kdf', 'text')
        .addColumn('threshold', 'integer')
        .addColumn('shares', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('kms_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('policy', 'text')
        .addColumn('latest_version', 'integer', (c) => c.notNull())
        .addColumn('min_decrypt_version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('kms_key_versions')
        .addColumn('key_id', 'text', (c) => c.notNull().references('kms_keys.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('material', types.blob, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('kms_key_versions_pk', ['key_id', 'version'])
        .execute();
      await db.schema
        .createTable('kms_audit')
        .addColumn('seq', types.bigint, (c) => c.primaryKey())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('caller', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('version', 'integer')
        .addColumn('context_digest', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('code', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
    },
  }),
};
