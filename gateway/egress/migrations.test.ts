import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../common/index.ts';
import { complianceMigrations } from '../compliance/index.ts';
import { computeMigrations } from '../compute/migrations.ts';
import { coreMigrations } from '../db/migrations.ts';
import type { GatewaySchema } from '../db/schema.ts';
import { egressMigrations } from './migrations.ts';

describe('egress migrations on an existing SQLite database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-egress-mig-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('make dataset_id optional without losing rows, indexes or foreign keys', async () => {
    const database = openDatabase<GatewaySchema>({ sqlitePath: path.join(dir, 'gateway.db') });
    const { db, dialect } = database;
    const before = { ...coreMigrations, ...complianceMigrations, ...computeMigrations };
    await migrate(db, dialect, before, 'gateway');
    const now = new Date().toISOString();
    const party = (id: string) => ({ id, name: id, kind: 'domestic' as const, jurisdiction: 'CN', public_key: null, ciio: 0, ftz: null, industry: null, contact: null, kek_id: null, owner_secret: null, created_at: now });
    await db.insertInto('parties').values([party('pty_a'), party('pty_b')]).execute();
    await db.insertInto('datasets').values({ id: 'ds_1', owner_id: 'pty_a', name: 'd', fields: '[]', subject_field: null, kek_id: 'k', wrapped_dek: 'w', dek_alg: 'SM4-GCM', record_count: 0, created_at: now }).execute();
    const contract = { id: 'ctr_1', dataset_id: 'ds_1', owner_id: 'pty_a', recipient_id: 'pty_b', status: 'approved' as const, terms: '{}', digest: 'd', signature: 's', valid_from: now, valid_until: now, kek_id: 'k', secret: 's', created_at: now, approved_at: now, revoked_at: null };
    await db.insertInto('contracts').values(contract).execute();
    await db.insertInto('transfers').values({ id: 'trf_1', contract_id: 'ctr_1', exporter_id: 'pty_a', recipient_id: 'pty_b', dataset_id: 'ds_1', purpose: 'p', records: 1, subjects: 1, wrapped_field_key: null, receipt: '{}', package_digest: 'x', package_attempt: 0, created_at: now }).execute();

    await migrate(db, dialect, { ...before, ...egressMigrations }, 'gateway');

    expect(await db.selectFrom('contracts').selectAll().execute()).toEqual([contract]);
    const indexes = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contracts' AND sql IS NOT NULL ORDER BY name`.execute(db);
    expect(indexes.rows.map((r) => r.name)).toEqual(['contracts_owner', 'contracts_recipient']);
    await db.insertInto('contracts').values({ ...contract, id: 'ctr_2', dataset_id: null }).execute();
    // Foreign keys are enforced again: a contract naming an unknown dataset or owner is refused.
    await expect(db.insertInto('contracts').values({ ...contract, id: 'ctr_3', dataset_id: 'ds_missing' }).execute()).rejects.toThrow(/FOREIGN KEY/);
    await expect(db.insertInto('transfers').values({ id: 'trf_2', contract_id: 'ctr_missing', exporter_id: 'pty_a', recipient_id: 'pty_b', dataset_id: 'ds_1', purpose: 'p', records: 1, subjects: 1, wrapped_field_key: null, receipt: '{}', package_digest: 'x', package_attempt: 0, created_at: now }).execute()).rejects.toThrow(/FOREIGN KEY/);
    await db.updateTable('parties').set({ endpoint: 'https://api.example.com/v1' }).where('id', '=', 'pty_b').execute();
    await database.close();
  });
});
