import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsSealer } from '../../../kms/index.ts';
import { openEmbeddedLedger } from '../../../ledger/index.ts';
import { backendAvailable } from '../../../test/support/backends.ts';
import { runCliInProcess } from '../../../test/support/cli.ts';
import { tempDir } from '../../../test/support/files.ts';
import { startTestKms, type TestKms } from '../../../test/support/kms.ts';
import { receiptRecord } from '../../../test/support/ledger.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../../../test/support/postgres.ts';

const sluice = (env: Record<string, string>, cwd: string, ...args: string[]) => runCliInProcess(args, { env, cwd });

/** A copy of the clean ledger with one row changed behind the append-only triggers. */
function tampered(source: string, sql: string): string {
  const copy = tempDir('sluice-ledger-');
  fs.cpSync(source, copy, { recursive: true });
  const db = new Database(path.join(copy, 'ledger', 'ledger.db'));
  for (const table of ['leaves', 'nodes', 'blocks', 'block_signatures']) {
    db.exec(`DROP TRIGGER ${table}_no_update; DROP TRIGGER ${table}_no_delete;`);
  }
  db.exec(sql);
  db.close();
  return copy;
}

describe('sluice ledger audit', () => {
  const data = tempDir('sluice-ledger-');

  beforeAll(async () => {
    const ledger = await openEmbeddedLedger({ dataDir: data, batch: { maxRecords: 3, maxDelayMs: 1000 } });
    for (let block = 0; block < 4; block++) {
      await Promise.all([0, 1, 2].map((i) => ledger.append(receiptRecord(block * 3 + i))));
    }
    fs.writeFileSync(path.join(data, 'trust.json'), JSON.stringify(ledger.trustAnchors()));
    await ledger.close();
  });


  it('reports a clean ledger, exit 0, from --data-dir or SLUICE_DATA_DIR', async () => {
    const byFlag = await sluice({}, '/', 'ledger', 'audit', '--data-dir', data, '--trust', path.join(data, 'trust.json'));
    expect(byFlag).toMatchObject({ code: 0, stdout: expect.stringMatching(/^clean: 4 blocks, 12 records/) });
    expect((await sluice({ SLUICE_DATA_DIR: data }, '/', 'ledger', 'audit')).code).toBe(0);
  });

  const cases: [string, string, string][] = [
    ['leaf JSON', `UPDATE leaves SET record_json = replace(record_json, '"ratio":0.25', '"ratio":0.5') WHERE leaf_index = 4`, 'leaf 4: hash mismatch'],
    ['leaf hash', 'UPDATE leaves SET leaf_hash = zeroblob(32) WHERE leaf_index = 7', 'leaf 7: hash mismatch'],
    ['block root', `UPDATE blocks SET root_hash = '${'00'.repeat(32)}' WHERE height = 2`, 'block 2: root mismatch'],
    ['signature', `UPDATE block_signatures SET signature = (SELECT signature FROM block_signatures WHERE height = 1) WHERE height = 3`, 'block 3: signature of operator invalid'],
    ['previous hash', `UPDATE blocks SET previous_hash = '${'11'.repeat(32)}' WHERE height = 1`, 'block 1: previous block hash mismatch'],
  ];

  for (const [what, sql, finding] of cases) {
    it(`names an edited ${what}, exit 1`, async () => {
      const result = await sluice({}, tampered(data, sql), 'ledger', 'audit', '--data-dir', '.');
      expect(result.code).toBe(1);
      expect(result.stdout.split('\n')).toContain(finding);
      expect(result.stdout).toMatch(/inconsistent: \d+ findings in 4 blocks, 12 records/);
    });
  }

  it('fails on a directory without a ledger, exit 1', async () => {
    const empty = tempDir('sluice-ledger-');
    const result = await sluice({}, empty, 'ledger', 'audit');
    expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/NOT_FOUND/) });
  });
});

describe.runIf(backendAvailable('postgresql', postgresInstalled()))('sluice ledger audit of the ledger gateways share in PostgreSQL', () => {
  let postgres: PostgresServer;
  let kms: TestKms;
  let trustFile: string;
  const dir = tempDir('sluice-ledger-');

  beforeAll(async () => {
    [postgres, kms] = await Promise.all([startPostgres(), startTestKms()]);
    const ledger = await openEmbeddedLedger({ dataDir: dir, databaseUrl: postgres.url, sealer: kmsSealer(kms.client, 'ledger-operator-key'), batch: { maxRecords: 3, maxDelayMs: 1000 } });
    for (let block = 0; block < 4; block++) await Promise.all([0, 1, 2].map((i) => ledger.append(receiptRecord(block * 3 + i))));
    trustFile = path.join(dir, 'trust.json');
    fs.writeFileSync(trustFile, JSON.stringify(ledger.trustAnchors()));
    await ledger.close();
  });
  afterAll(async () => {
    await kms?.close();
    await postgres?.stop();
  });

  it('audits it from --database-url or SLUICE_DATABASE_URL, and names an edited row', async () => {
    expect(await sluice({}, '/', 'ledger', 'audit', '--database-url', postgres.url, '--trust', trustFile)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^clean: 4 blocks, 12 records/) });
    expect((await sluice({ SLUICE_DATABASE_URL: postgres.url }, '/', 'ledger', 'audit')).code).toBe(0);
    expect((await sluice({}, '/', 'ledger', 'audit', '--database-url', postgres.url, '--data-dir', dir)).code).toBe(2);

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      // The append-only triggers stop an UPDATE; an intruder with the owner's rights disables them first.
      await expect(client.query(`UPDATE ledger.leaves SET leaf_hash = '\\x00' WHERE leaf_index = 7`)).rejects.toThrow(/append-only/);
      await client.query('ALTER TABLE ledger.leaves DISABLE TRIGGER USER');
      await client.query(`UPDATE ledger.leaves SET record_json = replace(record_json, '"ratio":0.25', '"ratio":0.5') WHERE leaf_index = 4`);
    } finally {
      await client.end();
    }
    const result = await sluice({ SLUICE_DATABASE_URL: postgres.url }, '/', 'ledger', 'audit');
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')).toContain('leaf 4: hash mismatch');
    expect(result.stdout).not.toContain(postgres.url);
  });
});
