import type { VersionedMigration } from '../../../common/index.ts';

/** Per job: what the release withholds, what each owner was shown, and the dataset state it read. */
export interface DisclosureJobsTable {
  job_id: string;
  requester_id: string;
  /** JSON SuppressedCell[]: bins below the floor in some owner's persons, and their secondary cells. */
  suppress: string;
  /** JSON { [ownerId]: OwnerPreview }. */
  previews: string;
  /** JSON string[][]: per dataset input, the committed uploads read (appends after it are not the job's). */
  pins: string;
  created_at: string;
}

/** One released (or about to be) figure of one owner's persons for one requester, as a sealed difference sketch. */
export interface DisclosureCellsTable {
  id: string;
  job_id: string;
  requester_id: string;
  owner_id: string;
  cell: number;
  status: 'pending' | 'released';
  persons: number;
  weight: number;
  /** Keyed digest of the sketch (equal figures are compared once). */
  digest: string;
  /** AES-256-GCM under the owner's disclosure key, bound to this row's id. */
  sketch: Uint8Array;
  created_at: string;
}

/** ε spent per owner × recipient × budget period, in millionths; moved only by conditional updates. */
export interface PrivacyBudgetsTable {
  owner_id: string;
  recipient_id: string;
  /** `day:2026-12-03`, `month:2026-12`, `year:2026` (UTC). */
  period: string;
  spent_micros: number;
}

/** Each job's draw on a budget: reserved at creation, spent once anchored, refunded if nothing was released. */
export interface PrivacySpendsTable {
  job_id: string;
  owner_id: string;
  recipient_id: string;
  period: string;
  epsilon_micros: number;
  budget_micros: number;
  status: 'reserved' | 'spent' | 'refunded';
  created_at: string;
}

/** SQLite has no advisory locks: an upsert here takes the write lock first thing in the transaction. */
export interface DisclosureLocksTable {
  requester_id: string;
  acquisitions: number;
}

export interface DisclosureTables {
  disclosure_jobs: DisclosureJobsTable;
  disclosure_cells: DisclosureCellsTable;
  privacy_budgets: PrivacyBudgetsTable;
  privacy_spends: PrivacySpendsTable;
  disclosure_locks: DisclosureLocksTable;
}

export const disclosureMigrations: Record<string, VersionedMigration> = {
  '0010_disclosure_control': (types) => ({
    up: async (db) => {
      await db.schema
        .createTable('disclosure_jobs')
        .addColumn('job_id', 'text', (c) => c.primaryKey().references('compute_jobs.id'))
        .addColumn('requester_id', 'text', (c) => c.notNull())
        .addColumn('suppress', 'text', (c) => c.notNull())
        .addColumn('previews', 'text', (c) => c.notNull())
        .addColumn('pins', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('disclosure_cells')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull().references('compute_jobs.id'))
        .addColumn('requester_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('cell', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('persons', types.bigint, (c) => c.notNull())
        .addColumn('weight', types.bigint, (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('sketch', types.blob, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('disclosure_cells_requester_owner').on('disclosure_cells').columns(['requester_id', 'owner_id']).execute();
      await db.schema.createIndex('disclosure_cells_job').on('disclosure_cells').column('job_id').execute();
      await db.schema
        .createTable('privacy_budgets')
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('recipient_id', 'text', (c) => c.notNull())
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('spent_micros', types.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('privacy_budgets_pk', ['owner_id', 'recipient_id', 'period'])
        .execute();
      await db.schema
        .createTable('privacy_spends')
        .addColumn('job_id', 'text', (c) => c.notNull().references('compute_jobs.id'))
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('recipient_id', 'text', (c) => c.notNull())
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('epsilon_micros', types.bigint, (c) => c.notNull())
        .addColumn('budget_micros', types.bigint, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('privacy_spends_pk', ['job_id', 'owner_id', 'period'])
        .execute();
      await db.schema
        .createTable('disclosure_locks')
        .addColumn('requester_id', 'text', (c) => c.primaryKey())
        .addColumn('acquisitions', types.bigint, (c) => c.notNull())
        .execute();
    },
  }),
};
