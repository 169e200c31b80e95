import type { VersionedMigration } from '../../common/index.ts';

export const computeMigrations: Record<string, VersionedMigration> = {
  '0005_compute': () => ({
    up: async (db) => {
      await db.schema
        .createTable('compute_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('requester_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('column_name', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('scheme', 'text')
        .addColumn('min_group_size', 'integer', (c) => c.notNull())
        .addColumn('keyset_id', 'text')
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('result_digest', 'text')
        .addColumn('result', 'text')
        .addColumn('psi_exchanged_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('compute_jobs_stage').on('compute_jobs').column('stage').execute();
      await db.schema
        .createTable('compute_job_inputs')
        .addColumn('job_id', 'text', (c) => c.notNull().references('compute_jobs.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('party_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('dataset_id', 'text', (c) => c.references('datasets.id'))
        .addColumn('contract_id', 'text', (c) => c.references('contracts.id'))
        .addColumn('rows', 'integer')
        .addPrimaryKeyConstraint('compute_job_inputs_pk', ['job_id', 'name'])
        .execute();
      await db.schema
        .createTable('compute_job_approvals')
        .addColumn('job_id', 'text', (c) => c.notNull().references('compute_jobs.id'))
        .addColumn('owner_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('approved_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('compute_job_approvals_pk', ['job_id', 'owner_id'])
        .execute();
    },
  }),
  '0006_compute_keyset_destruction': () => ({
    up: async (db) => {
      await db.schema.alterTable('compute_jobs').addColumn('keyset_destroyed_at', 'text').execute();
    },
  }),
};
