import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Database } from '../../common/index.ts';
import { backendAvailable } from '../../test/support/backends.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../../test/support/postgres.ts';
import { computeStoreMigrations, type ComputeStore } from './store.ts';
import { computeStore } from './worker.ts';

function suite(name: string, open: () => Promise<ComputeStore>) {
  describe(name, () => {
    let store: ComputeStore;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-store-'));
    beforeAll(async () => {
      store = await open();
    });
    afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it('hands a worker exactly the bytes a gateway stored, however large', async () => {
      // Over two 4 MiB parts, so a column is read back across part boundaries.
      const column = randomBytes(9 * 1024 * 1024 + 17);
      await store.putInput('job_a', 'owner-0', column);
      await store.putInput('job_a', 'owner-1', new Uint8Array(0));
      const file = path.join(scratch, 'a.col');
      await store.copyInput('job_a', 'owner-0', file);
      expect(fs.readFileSync(file).equals(column)).toBe(true);
      await store.copyInput('job_a', 'owner-1', path.join(scratch, 'empty.col'));
      expect(fs.statSync(path.join(scratch, 'empty.col')).size).toBe(0);
      // A second upload of an input replaces the first.
      await store.putInput('job_a', 'owner-0', Buffer.from('again'));
      await store.copyInput('job_a', 'owner-0', path.join(scratch, 'b.col'));
      expect(fs.readFileSync(path.join(scratch, 'b.col'), 'utf8')).toBe('again');
    });

    it('keeps the first result of a job and refuses a different one', async () => {
      expect(await store.readResult('job_b')).toBeUndefined();
      const result = randomBytes(5 * 1024 * 1024);
      await store.putResult('job_b', result);
      await store.putResult('job_b', Buffer.from(result));
      await expect(store.putResult('job_b', randomBytes(16))).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(Buffer.from((await store.readResult('job_b'))!).equals(result)).toBe(true);
    });

    it('discards everything of one job only, and refuses names that could escape', async () => {
      await store.putInput('job_c', 'x', Buffer.from('c'));
      await store.putResult('job_c', Buffer.from('r'));
      await store.putInput('job_d', 'x', Buffer.from('d'));
      await store.discard('job_c');
      expect(await store.readResult('job_c')).toBeUndefined();
      await expect(store.copyInput('job_c', 'x', path.join(scratch, 'c.col'))).rejects.toThrow();
      await store.copyInput('job_d', 'x', path.join(scratch, 'd.col'));
      expect(fs.readFileSync(path.join(scratch, 'd.col'), 'utf8')).toBe('d');
      await expect(store.putInput('../job_d', 'x', Buffer.from('e'))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(store.putInput('job_d', '../x', Buffer.from('e'))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });
  });
}

suite('compute store in the data dir', async () => computeStore(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-jobs-'))));

describe.runIf(backendAvailable('postgresql', postgresInstalled()))('on PostgreSQL', () => {
  let server: PostgresServer;
  let database: Database<any>;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop();
  });
  suite('compute store in the shared database', async () => {
    database = openDatabase({ url: server.url, sqlitePath: '' });
    await migrate(database.db, database.dialect, computeStoreMigrations, 'test');
    return computeStore('/nonexistent', database.db);
  });
});
