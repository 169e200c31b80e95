import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { sql } from 'kysely';
import { migrate, openDatabase, type Database } from '../common/index.ts';
import { assess, complianceMigrations, scenarioSchema, SubjectCounter, type Scenario } from '../gateway/compliance/index.ts';
import { postgresInstalled, startPostgres } from '../test/support/postgres.ts';
import type { BenchResult } from './types.ts';

const HELD = 5_000_000;
const FILL_BATCH = 500_000;
const TRANSFER = 100_000;
const ROUNDS = 5;
const NAIVE_SAMPLE = 5_000;
const EXPORTER = 'exp_bench';

function result(name: string, value: number, unit: string, baselineName: string, baseline: number): BenchResult {
  return { name, value, unit, baseline: { name: baselineName, value: baseline }, ratio: value / baseline };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** HMAC-SM3 output is what the gateway passes; random 32-byte strings are indistinguishable from it here. */
function hashes(n: number): Uint8Array[] {
  const bytes = randomBytes(n * 32);
  return Array.from({ length: n }, (_, i) => bytes.subarray(i * 32, (i + 1) * 32));
}

function general(personal: number): Scenario {
  return { date: '2026-05-01', exporter: { ciio: false, ftz: null }, scenario: 'general', data: { personal, sensitive: 0, important: false, core: false } };
}

async function migrated(database: Database<any>): Promise<Database<any>> {
  await migrate(database.db, database.dialect, complianceMigrations, 'compliance');
  return database;
}

/** What the transfer path does: lock, preview, assess, commit — one transaction. Returns ms. */
async function countTransfer(database: Database<any>, counter: SubjectCounter, batch: Uint8Array[]): Promise<number> {
  const started = performance.now();
  await database.db.transaction().execute(async (trx) => {
    await counter.lockExporter(trx, EXPORTER);
    const counts = await counter.preview(EXPORTER, 2026, { personal: batch, sensitive: [] }, trx);
    assess(general(counts.personal));
    await counter.commit(trx, EXPORTER, general(counts.personal), { personal: batch, sensitive: [] });
  });
  return performance.now() - started;
}

interface Measured {
  warmMs: number;
  coldMs: number;
}

/** Fills an exporter-year with HELD subjects, then times TRANSFER-subject transfers: cold (fresh process) and warm. */
async function measureCounter(database: Database<any>): Promise<Measured> {
  const filler = new SubjectCounter(database);
  for (let held = 0; held < HELD; held += FILL_BATCH) {
    await database.db.transaction().execute((trx) => filler.commit(trx, EXPORTER, general(1), { personal: hashes(FILL_BATCH), sensitive: [] }));
  }
  const counter = new SubjectCounter(database);
  const coldMs = await countTransfer(database, counter, hashes(TRANSFER));
  const warm: number[] = [];
  for (let i = 0; i < ROUNDS; i++) warm.push(await countTransfer(database, counter, hashes(TRANSFER)));
  return { warmMs: median(warm), coldMs };
}

/**
 * Baselines on SQLite: the obvious schema, a row per (bucket, subject) clustered on the hash,
 * holding the same 5M subjects. (a) per subject: SELECT, then INSERT and counter UPDATE when new,
 * through the query layer, on a NAIVE_SAMPLE scaled to TRANSFER; (b) one batched
 * `INSERT … ON CONFLICT DO NOTHING` of the whole transfer, counting the rows it added.
 */
async function measureRowPerSubject(database: Database<any>): Promise<{ perSubjectMs: number; batchedMs: number }> {
  const db = database.db;
  await sql`CREATE TABLE bench_subjects (bucket integer NOT NULL, subject blob NOT NULL, PRIMARY KEY (bucket, subject)) WITHOUT ROWID`.execute(db);
  await sql`CREATE TABLE bench_counter (bucket integer PRIMARY KEY, n integer NOT NULL)`.execute(db);
  await sql`INSERT INTO bench_counter VALUES (1, 0)`.execute(db);
  const insertBlob = (blob: Buffer, n: number) =>
    sql`WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k + 1 < ${n}),
      input(s) AS (SELECT substr(${blob}, k * 16 + 1, 16) FROM i)
      INSERT INTO bench_subjects (bucket, subject) SELECT 1, s FROM input WHERE true ON CONFLICT DO NOTHING`;
  // Filled in key order so the fill is quick; the measured inserts then land at random places, as real ones do.
  const fill = randomBytes(HELD * 16);
  const keys = Array.from({ length: HELD }, (_, i) => fill.subarray(i * 16, (i + 1) * 16)).sort(Buffer.compare);
  for (let i = 0; i < HELD; i += FILL_BATCH) {
    await db.transaction().execute((trx) => insertBlob(Buffer.concat(keys.slice(i, i + FILL_BATCH)), FILL_BATCH).execute(trx));
  }

  const sample = hashes(NAIVE_SAMPLE).map((h) => Buffer.from(h.subarray(0, 16)));
  let started = performance.now();
  await db.transaction().execute(async (trx) => {
    for (const subject of sample) {
      const found = await sql`SELECT 1 FROM bench_subjects WHERE bucket = 1 AND subject = ${subject}`.execute(trx);
      if (found.rows.length > 0) continue;
      await sql`INSERT INTO bench_subjects (bucket, subject) VALUES (1, ${subject})`.execute(trx);
      await sql`UPDATE bench_counter SET n = n + 1 WHERE bucket = 1`.execute(trx);
    }
  });
  const perSubjectMs = ((performance.now() - started) / NAIVE_SAMPLE) * TRANSFER;

  const batch = Buffer.concat(hashes(TRANSFER).map((h) => h.subarray(0, 16)));
  started = performance.now();
  await db.transaction().execute(async (trx) => {
    const added = await insertBlob(batch, TRANSFER).execute(trx);
    await sql`UPDATE bench_counter SET n = n + ${Number(added.numAffectedRows ?? 0n)} WHERE bucket = 1`.execute(trx);
  });
  return { perSubjectMs, batchedMs: performance.now() - started };
}

/** Assessments per second over a mix of scenarios, beside JSON-schema validation alone (the floor any route pays). */
function measureAssess(): { assessPerSec: number; validatePerSec: number } {
  const mix: Scenario[] = [
    general(120_000),
    { ...general(50_000), scenario: 'hr' },
    { ...general(0), scenario: 'ai_training', modality: 'image', exporter: { ciio: false, ftz: 'beijing' }, data: { personal: 0, sensitive: 60_000, important: false, core: false } },
    { ...general(1_500_000), exporter: { ciio: true, ftz: null } },
    { date: '2023-05-01', exporter: { ciio: false }, scenario: 'general', data: { personal: 90_000, sensitive: 0, important: false, core: false, personalSincePreviousYear: 150_000, sensitiveSincePreviousYear: 0 } },
  ];
  const rate = (op: (s: Scenario) => unknown) => {
    for (let i = 0; i < 5_000; i++) op(mix[i % mix.length]!);
    let n = 0;
    const started = performance.now();
    while (performance.now() - started < 1_000) for (const s of mix) op(s), n++;
    return n / ((performance.now() - started) / 1000);
  };
  const validate = new Ajv({ strict: true }).compile(scenarioSchema);
  return { assessPerSec: rate(assess), validatePerSec: rate(validate) };
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-compliance-bench-'));
  const results: BenchResult[] = [];
  try {
    const sqlite = await migrated(openDatabase({ sqlitePath: path.join(dir, 'counter.db') }));
    const counted = await measureCounter(sqlite);
    const baselines = await measureRowPerSubject(sqlite);
    await sqlite.close();
    const label = `count a ${TRANSFER / 1000}k-new-subject transfer into ${HELD / 1e6}M held (SQLite, lock+preview+assess+commit, median of ${ROUNDS})`;
    results.push(result(label, counted.warmMs, 'ms', `row per subject, SELECT-then-INSERT per subject (${NAIVE_SAMPLE / 1000}k sample, scaled)`, baselines.perSubjectMs));
    results.push(result(label, counted.warmMs, 'ms', 'row per subject, one batched INSERT … ON CONFLICT DO NOTHING', baselines.batchedMs));
    results.push(result(`same, first transfer after a restart (loads ${HELD / 1e6}M subjects into memory)`, counted.coldMs, 'ms', 'warm transfer', counted.warmMs));

    if (postgresInstalled()) {
      const server = await startPostgres();
      try {
        const pg = await migrated(openDatabase({ url: server.url, sqlitePath: '' }));
        const pgCounted = await measureCounter(pg);
        await pg.close();
        results.push(result(`count a ${TRANSFER / 1000}k-new-subject transfer into ${HELD / 1e6}M held (PostgreSQL, median of ${ROUNDS})`, pgCounted.warmMs, 'ms', 'same on SQLite', counted.warmMs));
        results.push(result('same on PostgreSQL, first transfer after a restart', pgCounted.coldMs, 'ms', 'warm transfer on PostgreSQL', pgCounted.warmMs));
      } finally {
        await server.stop();
      }
    }

    const { assessPerSec, validatePerSec } = measureAssess();
    results.push(result('assess(): validate + evaluate the rules (mix of 5 scenarios)', assessPerSec, 'assessments/s', 'Ajv validation of the Scenario schema alone', validatePerSec));
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
