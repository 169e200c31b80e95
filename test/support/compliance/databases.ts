import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { migrate, openDatabase, type Database } from '../../../common/index.ts';
import { complianceMigrations } from '../../../gateway/compliance/index.ts';
import { backendAvailable } from '../backends.ts';
import { tempDir } from '../files.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../postgres.ts';

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
    body(() => track(openDatabase({ sqlitePath: path.join(tempDir('sluice-compliance-'), 'test.db') })));
  });

  describe.runIf(backendAvailable('postgresql', postgresInstalled()))('on PostgreSQL', () => {
    let server: PostgresServer;
    beforeAll(async () => {
      server = await startPostgres();
    });
    afterAll(async () => {
      await Promise.all(opened.splice(0).map((d) => d.close()));
      await server?.stop();
    });
    // A database per call keeps tests apart inside one cluster.
    body(async () => track(openDatabase({ url: await server.createDatabase(), sqlitePath: '', poolSize: 4 })));
  });
}
