import type { VersionedMigration } from '../../common/index.ts';

/**
 * Compliance tables (prefix `compliance_`). Nothing here is ever deleted: subject chunks, counters and
 * filings are the export records R-DUTY-RECORDS requires to be kept for at least 3 years.
 */
export const complianceMigrations: Record<string, VersionedMigration> = {
  '0002_compliance_counting': (types, dialect) => ({
    up: async (db) => {
      await db.schema
        .createTable('compliance_buckets')
        .addColumn('id', 'integer', (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
        .addColumn('exporter_id', 'text', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('subjects', types.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('window_subjects', types.bigint)
        .addColumn('chunks', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('head', types.blob)
        .addUniqueConstraint('compliance_buckets_key', ['exporter_id', 'year', 'category'])
        .execute();
      // Append-only chunks rather than a row per subject: a row per subject puts every insert at
      // a random place in a B-tree of millions, which costs seconds per 100k (docs/COMPLIANCE.md).
      await db.schema
        .createTable('compliance_subject_chunks')
        .addColumn('bucket_id', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('chunk_id', types.blob, (c) => c.notNull())
        .addColumn('subjects', 'integer', (c) => c.notNull())
        .addColumn('hashes', types.blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('compliance_subject_chunks_pk', ['bucket_id', 'seq'])
        .execute();
      await db.schema
        .createTable('compliance_exporter_locks')
        .addColumn('exporter_id', 'text', (c) => c.primaryKey())
        .addColumn('acquisitions', types.bigint, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('compliance_filings')
        .addColumn('exporter_id', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('mechanism', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'text', (c) => c.notNull())
        .addColumn('valid_until', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('compliance_filings_pk', ['exporter_id', 'reference'])
        .execute();
    },
  }),
  '0021_filing_confirmation': () => ({
    up: async (db) => {
      await db.schema.alterTable('compliance_filings').addColumn('confirmed_at', 'text').execute();
      await db.schema.alterTable('compliance_filings').addColumn('confirmed_by', 'text').execute();
    },
  }),
};
