import { sql } from 'kysely';
import type { VersionedMigration } from '../../common/index.ts';

/**
 * AI egress: an overseas party may name its model endpoint, and an egress contract covers
 * prompts rather than a dataset, so `contracts.dataset_id` becomes optional. SQLite cannot drop
 * a NOT NULL constraint in place: the table is rebuilt from its own current definition (so
 * columns other migrations added survive), with foreign keys off while the old one is dropped.
 * Each call is kept in `egress_calls` for the annual report; calls made before that table
 * existed are read back from their ledger records in the outbox.
 */
export const egressMigrations: Record<string, VersionedMigration> = {
  '0060_party_endpoint': () => ({
    up: async (db) => {
      await db.schema.alterTable('parties').addColumn('endpoint', 'text').execute();
    },
  }),
  '0061_contracts_without_dataset': (_types, dialect) => ({
    up: async (db) => {
      if (dialect === 'postgres') {
        await sql`ALTER TABLE contracts ALTER COLUMN dataset_id DROP NOT NULL`.execute(db);
        return;
      }
      const table = await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'contracts'`.execute(db);
      const indexes = await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contracts' AND sql IS NOT NULL`.execute(db);
      const definition = table.rows[0]!.sql;
      const relaxed = definition.replace(/("dataset_id"\s+text)\s+not null/i, '$1').replace(/^CREATE TABLE\s+"?contracts"?/i, 'CREATE TABLE "contracts_0061"');
      if (relaxed === definition || !relaxed.startsWith('CREATE TABLE "contracts_0061"')) throw new Error('contracts table definition not recognised');
      await sql`PRAGMA foreign_keys = OFF`.execute(db);
      try {
        await sql`BEGIN`.execute(db);
        await sql.raw(relaxed).execute(db);
        await sql`INSERT INTO contracts_0061 SELECT * FROM contracts`.execute(db);
        await sql`DROP TABLE contracts`.execute(db);
        await sql`ALTER TABLE contracts_0061 RENAME TO contracts`.execute(db);
        for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
        const broken = await sql`PRAGMA foreign_key_check`.execute(db);
        if (broken.rows.length > 0) throw new Error('foreign keys broken by the contracts rebuild');
        await sql`COMMIT`.execute(db);
      } catch (error) {
        await sql`ROLLBACK`.execute(db);
        throw error;
      } finally {
        await sql`PRAGMA foreign_keys = ON`.execute(db);
      }
    },
  }),
  '0085_egress_calls': () => ({
    up: async (db) => {
      await db.schema
        .createTable('egress_calls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('contract_id', 'text', (c) => c.notNull().references('contracts.id'))
        .addColumn('exporter_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('recipient_id', 'text', (c) => c.notNull().references('parties.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('egress_calls_exporter').on('egress_calls').columns(['exporter_id', 'created_at']).execute();
      const earlier = await sql<{ record: string }>`SELECT record FROM outbox WHERE substr(id, 1, 4) = 'egr_' ORDER BY created_at`.execute(db);
      for (const { record } of earlier.rows) {
        const parsed = JSON.parse(record) as { id: string; type: string; timestamp: string; data: { contractId: string; exporterId: string; recipientId: string } };
        if (parsed.type !== 'egress') continue;
        await sql`INSERT INTO egress_calls (id, contract_id, exporter_id, recipient_id, created_at, record)
          VALUES (${parsed.id}, ${parsed.data.contractId}, ${parsed.data.exporterId}, ${parsed.data.recipientId}, ${parsed.timestamp}, ${record})`.execute(db);
      }
    },
  }),
};
