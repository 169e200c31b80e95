import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Database } from './database.ts';
import { migrate, type VersionedMigration } from './migrate.ts';
import { backendAvailable } from '../../test/support/backends.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../../test/support/postgres.ts';

interface Schema {
  items: { id: string; payload: Buffer; n: number };
}

const migrations: Record<string, VersionedMigration> = {
  '0001_items': (types) => ({
    up: async (db) => {
      await db.schema
        .createTable('items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('payload', types.blob, (c) => c.notNull())
        .addColumn('n', types.bigint, (c) => c.notNull())
        .execute();
    },
  }),
};

function suite(name: string, open: () => Promise<Database<Schema>>) {
  describe(name, () => {
    let database: Database<Schema>;
    beforeAll(async () => {
      database = await open();
      await migrate(database.db, database.dialect, migrations, 'test');
    });
    afterAll(() => database?.close());

    it('applies migrations once and round-trips binary and large integers', async () => {
      await migrate(database.db, database.dialect, migrations, 'test');
      const payload = Buffer.from([0, 1, 2, 255]);
      await database.db.insertInto('items').values({ id: 'a', payload, n: 2 ** 40 }).execute();
      const row = await database.db.selectFrom('items').selectAll().where('id', '=', 'a').executeTakeFirstOrThrow();
      expect(Buffer.from(row.payload)).toEqual(payload);
      expect(row.n).toBe(2 ** 40);
    });

    it('rolls back a failed transaction entirely', async () => {
      await expect(
        database.db.transaction().execute(async (trx) => {
          await trx.insertInto('items').values({ id: 'b', payload: Buffer.alloc(1), n: 1 }).execute();
          await trx.insertInto('items').values({ id: 'b', payload: Buffer.alloc(1), n: 1 }).execute();
        }),
      ).rejects.toThrow();
      const count = await database.db.selectFrom('items').select(sql<number>`count(*)`.as('c')).where('id', '=', 'b').executeTakeFirstOrThrow();
      expect(Number(count.c)).toBe(0);
    });
  });
}

suite('query layer on SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-db-'));
  return openDatabase<Schema>({ sqlitePath: path.join(dir, 'test.db') });
});

describe.runIf(backendAvailable('postgresql', postgresInstalled()))('PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  suite('query layer on PostgreSQL', async () => openDatabase<Schema>({ url: server.url, sqlitePath: '' }));
});
