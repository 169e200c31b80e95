import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../common/index.ts';
import type { GatewayContext } from '../context.ts';
import { coreMigrations } from '../db/migrations.ts';
import type { GatewaySchema } from '../db/schema.ts';
import { readPackage } from './package-store.ts';

const collect = async (parts: AsyncIterable<Uint8Array>) => {
  const out: Uint8Array[] = [];
  for await (const part of parts) out.push(part);
  return Buffer.concat(out);
};

describe('packages stored before migration 0030', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-package-store-'));
  const database = openDatabase<GatewaySchema>({ sqlitePath: path.join(dir, 'gateway.db') });
  afterAll(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('move into one part and are served whole and in ranges as they were', async () => {
    const { '0030_transfer_streams': streams, ...before } = coreMigrations;
    await migrate(database.db, database.dialect, before, 'gateway');
    const legacy = Buffer.from(JSON.stringify({ format: 'sluice.package.v1', ciphertext: 'x'.repeat(5000) }));
    const db = database.db as any;
    const now = '2026-05-01T00:00:00.000Z';
    await db.insertInto('parties').values({ id: 'pty_a', name: 'A', kind: 'domestic', jurisdiction: 'CN', created_at: now }).execute();
    await db.insertInto('datasets').values({ id: 'ds_a', owner_id: 'pty_a', name: 'd', fields: '[]', kek_id: 'k', wrapped_dek: 'w', dek_alg: 'SM4-GCM', created_at: now }).execute();
    await db
      .insertInto('contracts')
      .values({ id: 'ctr_a', dataset_id: 'ds_a', owner_id: 'pty_a', recipient_id: 'pty_a', status: 'approved', terms: '{}', digest: 'd', valid_from: now, valid_until: now, kek_id: 'k', secret: 's', created_at: now })
      .execute();
    await db
      .insertInto('transfers')
      .values({ id: 'trf_a', contract_id: 'ctr_a', exporter_id: 'pty_a', recipient_id: 'pty_a', dataset_id: 'ds_a', purpose: 'p', records: 1, subjects: 1, receipt: '{}', package_digest: 'x', created_at: now })
      .execute();
    await db.insertInto('transfer_packages').values({ transfer_id: 'trf_a', package: legacy }).execute();

    await migrate(database.db, database.dialect, { ...before, '0030_transfer_streams': streams! }, 'gateway');
    const transfer = await database.db.selectFrom('transfers').selectAll().where('id', '=', 'trf_a').executeTakeFirstOrThrow();
    expect(transfer).toMatchObject({ package_size: legacy.length, package_attempt: 0, package_key_id: null, package_deleted_at: null });
    const ctx = { db: database.db } as GatewayContext;
    expect((await collect(await readPackage(ctx, transfer, 0, legacy.length - 1))).equals(legacy)).toBe(true);
    expect((await collect(await readPackage(ctx, transfer, 10, 19))).equals(legacy.subarray(10, 20))).toBe(true);
  });
});
