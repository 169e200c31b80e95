import { sql, type Kysely } from 'kysely';
import { SluiceError } from '../common/errors.ts';
import { migrate, openDatabase, type VersionedMigration } from '../common/index.ts';
import { LedgerStore, type LedgerDb, type LedgerTables, type StoreEngine } from './store.ts';

/**
 * The embedded ledger in PostgreSQL, shared by every gateway on the database: tables in the
 * `ledger` schema, append rounds serialized by a transaction-scoped advisory lock. The lock
 * goes with the session, so an appender that dies releases it at once; one that stalls inside
 * a round loses its session (and the lock, and the uncommitted block) after the lease time,
 * through `idle_in_transaction_session_timeout`. Whoever appends next resumes from the rows.
 */

export const DEFAULT_LEASE_MS = 10_000;
const SCHEMA = 'ledger';

const APPEND_ONLY = ['leaves', 'nodes', 'blocks', 'block_signatures', 'operator_keys'];

const ledgerMigrations: Record<string, VersionedMigration> = {
  '0040_ledger': () => ({
    up: async (db) => {
      const statements = [
        `CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`,
        `CREATE TABLE ${SCHEMA}.leaves (
          leaf_index bigint PRIMARY KEY,
          record_id text NOT NULL UNIQUE,
          record_json text NOT NULL,
          leaf_hash bytea NOT NULL,
          block_height bigint NOT NULL)`,
        `CREATE TABLE ${SCHEMA}.nodes (
          level integer NOT NULL,
          node_index bigint NOT NULL,
          hash bytea NOT NULL,
          PRIMARY KEY (level, node_index))`,
        `CREATE TABLE ${SCHEMA}.blocks (
          height bigint PRIMARY KEY,
          previous_hash text NOT NULL,
          tree_size bigint NOT NULL,
          root_hash text NOT NULL,
          timestamp text NOT NULL,
          first_leaf bigint NOT NULL,
          last_leaf bigint NOT NULL)`,
        `CREATE TABLE ${SCHEMA}.block_signatures (
          height bigint NOT NULL,
          position integer NOT NULL,
          org text NOT NULL,
          alg text NOT NULL,
          public_key text NOT NULL,
          signature text NOT NULL,
          PRIMARY KEY (height, position))`,
        `CREATE TABLE ${SCHEMA}.operator_keys (
          org text PRIMARY KEY,
          alg text NOT NULL,
          public_key text NOT NULL,
          key_id text NOT NULL,
          sealed_key text NOT NULL,
          created_at text NOT NULL)`,
        `CREATE FUNCTION ${SCHEMA}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'ledger tables are append-only'; END $$`,
        ...APPEND_ONLY.flatMap((table) => [
          `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${SCHEMA}.${table}
            FOR EACH ROW EXECUTE FUNCTION ${SCHEMA}.refuse_change()`,
          `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${SCHEMA}.${table}
            FOR EACH STATEMENT EXECUTE FUNCTION ${SCHEMA}.refuse_change()`,
        ]),
      ];
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  }),
};

export interface PostgresLedgerOptions {
  /** Open for reading only (the audit): nothing is created or migrated. */
  readonly?: boolean;
  /** The longest a stalled appender keeps the others waiting; default 10 s. */
  leaseMs?: number | undefined;
}

export async function openPostgresLedgerStore(url: string, options: PostgresLedgerOptions = {}): Promise<LedgerStore> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 100) throw new SluiceError('VALIDATION_FAILED', 'the ledger lease must be at least 100 ms');
  const database = openDatabase<LedgerTables>({
    url,
    sqlitePath: '',
    poolSize: 4,
    applicationName: 'sluice-ledger',
    // A waiter gives up after a few lease times; its records stay in the outbox for the next round.
    settings: { idle_in_transaction_session_timeout: leaseMs, lock_timeout: 3 * leaseMs },
  });
  try {
    if (options.readonly) {
      const present = await sql<{ t: string | null }>`SELECT to_regclass(${`${SCHEMA}.blocks`})::text AS t`.execute(database.db);
      if (!present.rows[0]?.t) throw new SluiceError('NOT_FOUND', 'no embedded ledger in this database');
    } else {
      await migrate(database.db, 'postgres', ledgerMigrations, 'ledger');
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  const db: LedgerDb = database.db.withSchema(SCHEMA);
  const engine: StoreEngine = {
    kind: 'postgres',
    exclusive: (handle, round) =>
      handle.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext('sluice.ledger'), 0)`.execute(trx);
        return round(trx);
      }),
    snapshot: (handle, read) =>
      handle
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          await sql`SET TRANSACTION READ ONLY`.execute(trx);
          return read(trx);
        }),
    close: () => database.close(),
  };
  return new LedgerStore(db as Kysely<LedgerTables>, engine);
}
