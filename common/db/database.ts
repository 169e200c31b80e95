import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export interface Database<DB> {
  db: Kysely<DB>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite at `sqlitePath`. */
  url?: string | undefined;
  sqlitePath: string;
  /** Size of the PostgreSQL pool. */
  poolSize?: number;
  /** PostgreSQL session settings for every connection of the pool (e.g. `idle_in_transaction_session_timeout`). */
  settings?: Record<string, string | number>;
  /** How the pool's sessions are named in `pg_stat_activity`. */
  applicationName?: string;
}

// int8 and numeric arrive as strings by default; our counters fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** One typed query layer over embedded SQLite and PostgreSQL. */
export function openDatabase<DB>(options: OpenDatabaseOptions): Database<DB> {
  if (options.url) {
    const settings = Object.entries(options.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
      ...(options.applicationName ? { application_name: options.applicationName } : {}),
    });
    // The server may end a session while a transaction holds it (a timeout, a restart): the error
    // then reaches that transaction's next query. Without a listener it would end the process.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  fs.mkdirSync(path.dirname(options.sqlitePath), { recursive: true, mode: 0o700 });
  const sqlite = new SqliteDatabase(options.sqlitePath);
  // WAL keeps readers off the writer's back; NORMAL is durable against process crashes,
  // which is the failure the outbox and atomic transfers are designed for.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}
