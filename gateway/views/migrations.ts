import type { VersionedMigration } from '../../common/index.ts';

/** Indexes behind the newest-first lists of a party's objects (recipients, owners, job inputs). */
export const viewMigrations: Record<string, VersionedMigration> = {
  '0070_listing_indexes': () => ({
    up: async (db) => {
      await db.schema.createIndex('transfers_recipient').on('transfers').columns(['recipient_id', 'created_at']).execute();
      await db.schema.createIndex('datasets_owner').on('datasets').columns(['owner_id', 'created_at']).execute();
      await db.schema.createIndex('compute_job_inputs_party').on('compute_job_inputs').column('party_id').execute();
    },
  }),
};
