import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { sm2GenerateKeyPair } from '../crypto/index.ts';
import { tempDir } from '../test/support/files.ts';
import { receiptRecord } from '../test/support/ledger.ts';
import { auditLedger, openEmbeddedLedger } from './index.ts';

/** Copies a clean ledger, applies SQL to its store as an intruder would (triggers dropped), audits. */
async function auditTampered(source: string, tamper: string | ((db: Database.Database) => void)) {
  const dir = tempDir('sluice-ledger-');
  fs.cpSync(source, dir, { recursive: true });
  const db = new Database(path.join(dir, 'ledger', 'ledger.db'));
  for (const table of ['leaves', 'nodes', 'blocks', 'block_signatures']) {
    db.exec(`DROP TRIGGER ${table}_no_update; DROP TRIGGER ${table}_no_delete;`);
  }
  if (typeof tamper === 'string') db.exec(tamper);
  else tamper(db);
  db.close();
  const report = await auditLedger(dir);
  return report.findings.map((f) => `${f.where}: ${f.problem}`);
}

describe('ledger audit', () => {
  const data = tempDir('sluice-ledger-');

  beforeAll(async () => {
    const ledger = await openEmbeddedLedger({ dataDir: data, batch: { maxRecords: 4, maxDelayMs: 1000 } });
    for (let block = 0; block < 5; block++) {
      await Promise.all([0, 1, 2, 3].map((i) => ledger.append(receiptRecord(block * 4 + i))));
    }
    await ledger.close();
  });


  it('finds a clean ledger clean', async () => {
    expect(await auditLedger(data)).toEqual({ clean: true, blocks: 5, records: 20, findings: [] });
  });

  it('refuses to write over its rows', () => {
    const db = new Database(path.join(data, 'ledger', 'ledger.db'));
    try {
      expect(() => db.exec("UPDATE blocks SET root_hash = '00' WHERE height = 0")).toThrow(/append-only/);
      expect(() => db.exec('DELETE FROM leaves WHERE leaf_index = 0')).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });

  it('catches an edited record', async () => {
    const findings = await auditTampered(
      data,
      `UPDATE leaves SET record_json = replace(record_json, '"subjects":37', '"subjects":38') WHERE leaf_index = 5`,
    );
    expect(findings).toEqual(['leaf 5: hash mismatch', 'block 1: root mismatch']);
  });

  it('catches a record and its leaf hash edited together', async () => {
    const findings = await auditTampered(data, (db) => {
      const json = (db.prepare('SELECT record_json FROM leaves WHERE leaf_index = 6').pluck().get() as string).replace(
        '"subjects":37',
        '"subjects":36',
      );
      const hash = createHash('sm3').update(Uint8Array.of(0)).update(json).digest();
      db.prepare('UPDATE leaves SET record_json = ?, leaf_hash = ? WHERE leaf_index = 6').run(json, hash);
    });
    expect(findings).toEqual(['node 1/3: hash mismatch', 'block 1: root mismatch']);
  });

  it('catches an edited leaf hash', async () => {
    expect(await auditTampered(data, 'UPDATE leaves SET leaf_hash = zeroblob(32) WHERE leaf_index = 9')).toEqual([
      'leaf 9: hash mismatch',
    ]);
  });

  it('catches an edited block root', async () => {
    const findings = await auditTampered(data, `UPDATE blocks SET root_hash = '${'ab'.repeat(32)}' WHERE height = 2`);
    expect(findings).toEqual([
      'block 2: signature of operator invalid',
      'block 2: root mismatch',
      'block 3: previous block hash mismatch',
    ]);
  });

  it('catches a swapped signature', async () => {
    const findings = await auditTampered(
      data,
      'UPDATE block_signatures SET signature = (SELECT signature FROM block_signatures WHERE height = 0) WHERE height = 3',
    );
    expect(findings).toEqual(['block 3: signature of operator invalid']);
  });

  it('catches an edited previous-block hash', async () => {
    const findings = await auditTampered(data, `UPDATE blocks SET previous_hash = '${'cd'.repeat(32)}' WHERE height = 4`);
    expect(findings).toEqual(['block 4: previous block hash mismatch', 'block 4: signature of operator invalid']);
  });

  it('catches an edited interior node that proofs would be built from', async () => {
    expect(await auditTampered(data, 'UPDATE nodes SET hash = zeroblob(32) WHERE level = 2 AND node_index = 1')).toEqual([
      'node 2/1: hash mismatch',
    ]);
  });

  it('catches removed and re-signed history', async () => {
    expect(await auditTampered(data, 'DELETE FROM leaves WHERE leaf_index = 19')).toContain('block 4: 1 leaves missing');
    const findings = await auditTampered(data, 'DELETE FROM blocks WHERE height = 1');
    expect(findings).toContain('block 2: height out of sequence (expected 1)');
    expect(findings).toContain('block 2: previous block hash mismatch');
  });

  it('pins signers with trust anchors', async () => {
    const other = sm2GenerateKeyPair();
    const report = await auditLedger(data, { trust: { orgs: { operator: [other.publicKey] } } });
    expect(report.clean).toBe(false);
    expect(report.findings).toHaveLength(5);
    expect(report.findings[0]).toEqual({ where: 'block 0', problem: expect.stringContaining('key the trust anchors do not list') });
  });

  it('reports a damaged operator key file and still audits the blocks', async () => {
    const copy = tempDir('sluice-ledger-');
    fs.cpSync(data, copy, { recursive: true });
    const keyFile = path.join(copy, 'ledger', 'operator-key.json');
    const key = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { publicKey: string };
    fs.writeFileSync(keyFile, JSON.stringify({ ...key, publicKey: sm2GenerateKeyPair().publicKey }));
    const report = await auditLedger(copy);
    expect(report).toMatchObject({ clean: false, blocks: 5, records: 20 });
    expect(report.findings).toEqual([{ where: 'operator key', problem: expect.stringContaining('do not match') }]);
  });

  it('reports a missing ledger as NOT_FOUND', async () => {
    const empty = tempDir('sluice-ledger-');
    await expect(auditLedger(empty)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
