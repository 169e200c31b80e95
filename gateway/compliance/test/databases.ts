import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { migrate, openDatabase, type Database } from '../../../common/index.ts';
import { backendAvailable } from '../../../test/support/backends.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../../../test/support/postgres.ts';
import { complianceMigrations } from '../migrations.ts';

/** Opens a fresh, migrated database; each call is isolated from the others. */
export type OpenDatabase = () => Promise<Database<any>>;

/** Runs `body` against SQLite and, when installed (or required), PostgreSQL. */
export function onBothDatabases(body: (open: OpenDatabase) => void): void {
  const opened: Database<any>[] = [];
  const track = async (database: Database<any>) => {
    await migrate(database.db, database.dialect, complianceMigrations, 'compliance');
    opened.push(database);
    return database;
  };
  afterAll(async () => {
    await Promise.all(opened.map((d) => d.close()));
  });

  describe('on SQLite', () => {
    body(() => track(openDatabase({ sqlitePath: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-compliance-')), 'test.db') })));
  });

  describe.runIf(backendAvailable('postgresql', postgresInstalled()))('on PostgreSQL', () => {
    let server: PostgresServer;
    let databases = 0;
    beforeAll(async () => {
      server = await startPostgres();
    });
    afterAll(async () => {
      await Promise.all(opened.splice(0).map((d) => d.close()));
      await server?.stop();
    });
    body(async () => {
      // A database per call keeps tests apart inside one cluster.
      const name = `compliance_${++databases}`;
      const admin = openDatabase({ url: server.url, sqlitePath: '' });
      await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
      await admin.close();
      return track(openDatabase({ url: server.url.replace(/\/postgres$/, `/${name}`), sqlitePath: '', poolSize: 4 }));
    });
  });
}
