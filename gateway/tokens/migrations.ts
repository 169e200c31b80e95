import type { VersionedMigration } from '../../common/index.ts';
import { newId } from '../ids.ts';

/**
 * Token lifecycle: an id to name a token by (listing, rotation, revocation) without its value,
 * an optional expiry, a revocation time, and whether it is the bootstrap admin token from the
 * environment (replaced when `SLUICE_ADMIN_TOKEN` changes).
 */
export const tokenMigrations: Record<string, VersionedMigration> = {
  '0020_token_lifecycle': () => ({
    up: async (db) => {
      await db.schema.alterTable('tokens').addColumn('id', 'text').execute();
      await db.schema.alterTable('tokens').addColumn('expires_at', 'text').execute();
      await db.schema.alterTable('tokens').addColumn('revoked_at', 'text').execute();
      await db.schema.alterTable('tokens').addColumn('bootstrap', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      const rows = (await db.selectFrom('tokens').select(['hash', 'role']).execute()) as { hash: string; role: string }[];
      for (const row of rows) {
        // Admin tokens before this migration could only come from the bootstrap.
        await db
          .updateTable('tokens')
          .set({ id: newId('tok'), bootstrap: row.role === 'admin' ? 1 : 0 })
          .where('hash', '=', row.hash)
          .execute();
      }
      await db.schema.createIndex('tokens_id').on('tokens').column('id').unique().execute();
      await db.schema.createIndex('tokens_party').on('tokens').column('party_id').execute();
    },
  }),
};
