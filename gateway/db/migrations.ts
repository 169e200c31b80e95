import { sql } from 'kysely';
import type { VersionedMigration } from '../../common/index.ts';

export const coreMigrations: Record<string, VersionedMigration> = {
  '0001_core': (types) => ({
    up: async (db) => {
      await db.schema
        .createTable('parties')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('jurisdiction', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text')
        .addColumn('ciio', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ftz', 'text')
        .addColumn('industry', 'text')
        .addColumn('contact', 'text')
        .addColumn('kek_id', 'text')
        .addColumn('owner_secret', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tokens')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('party_id', 'text', (c) => c.references('parties.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('datasets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('subject_field', 'text')
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_dek', 'text', (c) => c.notNull())
        .addColumn('dek_alg', 'text', (c) => c.notNull())
        .addColumn('record_count', types.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('dataset_uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('records', types.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('committed_at', 'text')
        .execute();
      await db.schema.createIndex('dataset_uploads_dataset').on('dataset_uploads').columns(['dataset_id', 'status']).execute();
      await db.schema
        .createTable('dataset_chunks')
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id'))
        .addColumn('upload_id', 'text', (c) => c.notNull().references('dataset_uploads.id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('records', 'integer', (c) => c.notNull())
        .addColumn('payload', types.blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('dataset_chunks_pk', ['upload_id', 'seq'])
        .execute();
      await db.schema
        .createTable('contracts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id'))
        .addColumn('owner_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('recipient_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('terms', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('signature', 'text')
        .addColumn('valid_from', 'text', (c) => c.notNull())
        .addColumn('valid_until', 'text', (c) => c.notNull())
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('contracts_owner').on('contracts').column('owner_id').execute();
      await db.schema.createIndex('contracts_recipient').on('contracts').column('recipient_id').execute();
      await db.schema
        .createTable('transfers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('contract_id', 'text', (c) => c.notNull().references('contracts.id'))
        .addColumn('exporter_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('recipient_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.id'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('records', types.bigint, (c) => c.notNull())
        .addColumn('subjects', types.bigint, (c) => c.notNull())
        .addColumn('wrapped_field_key', 'text')
        .addColumn('receipt', 'text', (c) => c.notNull())
        .addColumn('package_digest', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('transfers_exporter').on('transfers').columns(['exporter_id', 'created_at']).execute();
      await db.schema
        .createTable('transfer_packages')
        .addColumn('transfer_id', 'text', (c) => c.primaryKey().references('transfers.id'))
        .addColumn('package', types.blob, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('record', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('anchored_at', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .execute();
      await db.schema.createIndex('outbox_pending').on('outbox').columns(['anchored_at', 'created_at']).execute();
    },
  }),
  '0004_cursors': (types) => ({
    up: async (db) => {
      await db.schema
        .createTable('cursors')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', types.bigint, (c) => c.notNull())
        .execute();
    },
  }),
  '0007_dataset_chunk_columns': (types) => ({
    up: async (db) => {
      await db.schema.alterTable('dataset_chunks').addColumn('columns', types.blob).execute();
    },
  }),
  // Streamed transfers: packages in parts, background transfers, stored subject hashes, and
  // first responses of idempotent requests. Packages stored whole before move into one part.
  '0030_transfer_streams': (types) => ({
    up: async (db) => {
      await db.schema
        .createTable('transfer_package_parts')
        .addColumn('transfer_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('first_byte', types.bigint, (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('bytes', types.blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('transfer_package_parts_pk', ['transfer_id', 'attempt', 'seq'])
        .execute();
      for (const column of ['package_key_id', 'package_key', 'package_deleted_at']) {
        await db.schema.alterTable('transfers').addColumn(column, 'text').execute();
      }
      await db.schema.alterTable('transfers').addColumn('package_size', types.bigint).execute();
      await db.schema.alterTable('transfers').addColumn('package_attempt', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await sql`INSERT INTO transfer_package_parts (transfer_id, attempt, seq, first_byte, size, bytes) SELECT transfer_id, 0, 0, 0, length(package), package FROM transfer_packages`.execute(db);
      await sql`UPDATE transfers SET package_size = (SELECT p.size FROM transfer_package_parts p WHERE p.transfer_id = transfers.id AND p.seq = 0)`.execute(db);
      await db.schema.dropTable('transfer_packages').execute();
      await db.schema
        .createTable('transfer_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('contract_id', 'text', (c) => c.notNull().references('contracts.id'))
        .addColumn('recipient_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('records', types.bigint, (c) => c.notNull())
        .addColumn('done', types.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('transfer_jobs_running').on('transfer_jobs').columns(['status', 'lease_until']).execute();
      await db.schema
        .createTable('package_key_epochs')
        .addColumn('day', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('destroyed_at', 'text')
        .execute();
      await db.schema.alterTable('dataset_chunks').addColumn('subjects', types.blob).execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('caller', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('body', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('heartbeat_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['caller', 'scope', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();
    },
  }),
};
