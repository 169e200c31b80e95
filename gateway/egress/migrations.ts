import { sql } from 'kysely';
import type { VersionedMigration } from '../../common/index.ts';

/**
 * AI egress: an overseas party may name its model endpoint, and an egress contract covers
 * prompts rather than a dataset, so `contracts.dataset_id` becomes optional. SQLite cannot drop
 * a NOT NULL constraint in place: the table is rebuilt from its own current definition (so
 * columns other migrations added survive), with foreign keys off while the old one is dropped.
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
};
