import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { migrate, openDatabase } from '../common/index.ts';
import { seal } from '../crypto/index.ts';
import { auditCells } from '../gateway/compute/disclosure/audit.ts';
import { insertCell, storedCells, type FreshCell } from '../gateway/compute/disclosure/controls.ts';
import { deriveOwnerKeys, type OwnerKeys } from '../gateway/compute/disclosure/keys.ts';
import { JobProfile, type ShareProfile } from '../gateway/compute/disclosure/profile.ts';
import { disclosureMigrations } from '../gateway/compute/disclosure/tables.ts';
import type { GatewaySchema } from '../gateway/db/schema.ts';
import { distinctPersons, type ColumnValues } from '../gateway/compute/inputs.ts';
import { column } from './compute.bench.ts';
import { startJobStack, timeSumJob } from './gateway-stack.ts';
import type { BenchResult } from './types.ts';

/**
 * What the disclosure controls cost. (1) On the gateway's 3 × 2^20 sum job: the job end to end
 * (controls included), and the controls alone on the same columns in this process — measuring
 * every row, the audit and the sealing of its figures (their KMS key unwrap and two small
 * transactions are left out: milliseconds). (2) The same measuring on rows with subject
 * identifiers, beside the person count the job already makes. (3) The overlap audit of a new
 * job against 1,000 released jobs of one owner, loaded from SQLite, beside an exact comparison
 * of stored covered-person sets. Sizes: SLUICE_BENCH_HE_VALUES (2^20), SLUICE_BENCH_HE_OWNERS
 * (3), SLUICE_BENCH_SUBJECT_VALUES (2^18 per owner), SLUICE_BENCH_RELEASED (1000).
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const FLOOR = 10;
const WIDTH = 64;

export async function run(): Promise<BenchResult[]> {
  const perOwner = env('SLUICE_BENCH_HE_VALUES', 2 ** 20);
  const owners = env('SLUICE_BENCH_HE_OWNERS', 3);
  const columns = Array.from({ length: owners }, (_, i) => column(perOwner, i + 1));
  const stack = await startJobStack(columns);
  let job: number;
  try {
    job = (await timeSumJob(stack, columns.reduce((sum, c) => sum + c.reduce((a, b) => a + b, 0), 0))).total;
  } finally {
    await stack.close();
  }
  const controls = timeControls(columns.map((c) => ({ values: Array.from(c) })));

  const subjectRows = env('SLUICE_BENCH_SUBJECT_VALUES', 2 ** 18);
  const identified = Array.from({ length: owners }, (_, o) => {
    const values = Array.from(column(subjectRows, o + 11));
    return { values, subjects: values.map((_, i) => `11010119${String(o)}${String(i % (subjectRows / 2)).padStart(9, '0')}`) };
  });
  let started = performance.now();
  const persons = distinctPersons(identified);
  const counting = (performance.now() - started) / 1000;
  const measuring = timeControls(identified);

  const released = env('SLUICE_BENCH_RELEASED', 1000);
  const overlap = await timeOverlap(released);
  process.stderr.write(`  job ${job.toFixed(2)} s; controls ${(controls * 1000).toFixed(0)} ms; ${persons.toLocaleString('en-US')} persons by subject; audit against ${released} released: ${overlap.audit.toFixed(1)} ms (${overlap.load.toFixed(1)} ms loading them; ${overlap.cpu.toFixed(1)} ms of CPU)\n`);
  return [
    {
      name: `disclosure controls on a ${owners} × ${perOwner.toLocaleString('en-US')} sum job`,
      value: controls,
      unit: 's',
      baseline: { name: 'the job through the gateway, controls included (same run)', value: job },
      ratio: controls / job,
    },
    {
      name: `measuring ${owners} × ${subjectRows.toLocaleString('en-US')} rows with subjects`,
      value: measuring,
      unit: 's',
      baseline: { name: 'counting their distinct persons, as every job does', value: counting },
      ratio: measuring / counting,
    },
    {
      name: `overlap audit of a new job against ${released} released`,
      value: overlap.audit,
      unit: 'ms',
      baseline: { name: 'exact pairwise set differences over stored person keys', value: overlap.exact },
      ratio: overlap.audit / overlap.exact,
    },
  ];
}

/** The controls' work on one job's columns: measure every row, finish, audit, seal each figure. */
function timeControls(columns: ColumnValues[]): number {
  const keys = new Map(columns.map((_, i) => [`owner-${i}`, deriveOwnerKeys(randomBytes(32))]));
  const started = performance.now();
  const profile = new JobProfile({ operation: 'sum', width: WIDTH, inputs: columns.map((_, i) => ({ owner: `owner-${i}`, weight: 1 })), keys });
  columns.forEach((c, i) => profile.add(i, c));
  for (const share of profile.finish()) {
    const ownerKeys = keys.get(share.owner)!;
    const fresh = auditable(share, ownerKeys);
    if (auditCells(ownerKeys.sketch, fresh, [], FLOOR).risk) throw new Error('a first job cannot be a risk');
    for (const cell of fresh) seal('AES-256-GCM', ownerKeys.seal, cell.sketch.serialize(), 'cell');
  }
  return (performance.now() - started) / 1000;
}

function auditable(share: ShareProfile, keys: OwnerKeys): FreshCell[] {
  return share.cells.map((c) => ({ jobId: 'bench', weight: c.weight, persons: c.persons, digest: createHmac('sha256', keys.digest).update(c.sketch!.serialize()).digest('hex'), sketch: c.sketch! }));
}

/** Persons [start, start + size) of a universe, each with a salary: a released figure's rows. */
function window(start: number, size: number): ColumnValues {
  const subjects = Array.from({ length: size }, (_, i) => `U-${start + i}`);
  return { values: subjects.map((_, i) => 20_000 + ((start + i) % 9973)), subjects };
}

async function timeOverlap(released: number): Promise<{ audit: number; load: number; cpu: number; exact: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-overlap-'));
  const database = openDatabase<GatewaySchema>({ sqlitePath: path.join(dir, 'bench.db') });
  try {
    await migrate(database.db, database.dialect, disclosureMigrations, 'bench');
    // Only the disclosure tables exist here: their references to compute jobs are not checked.
    await sql`PRAGMA foreign_keys = OFF`.execute(database.db);
    const { db } = database;
    const keys = deriveOwnerKeys(randomBytes(32));
    const measure = (rows: ColumnValues) => {
      const profile = new JobProfile({ operation: 'sum', width: WIDTH, inputs: [{ owner: 'owner', weight: 1 }], keys: new Map([['owner', keys]]) });
      profile.add(0, rows);
      return auditable(profile.finish()[0]!, keys);
    };
    // Windows start on multiples of 200; the new job starts between two, so it is ≥ 100 persons from any ±1 combination of them.
    const windows = Array.from({ length: released }, (_, r) => ({ start: r * 200, size: 200 + ((r * 7919) % 3800) }));
    const now = new Date().toISOString();
    for (const [r, w] of windows.entries()) await insertCell(db, keys, { id: `job_${r}`, requester_id: 'requester' }, 'owner', 0, measure(window(w.start, w.size))[0]!, now);
    const fresh = measure(window(released * 100 + 100, 3000));

    const cpu = process.cpuUsage();
    const started = performance.now();
    const stored = await storedCells(db, keys, 'requester', 'owner');
    const loaded = performance.now();
    const result = auditCells(keys.sketch, fresh, stored, FLOOR);
    const audit = performance.now() - started;
    const cpuMs = process.cpuUsage(cpu).user / 1000;
    if (result.risk) throw new Error(`the bench's new job was found a risk (${result.risk})`);

    // The alternative: keep every released job's covered persons (sorted 64-bit keys) and merge.
    const key = (id: string) => keys.person.hash(id, new Uint32Array(2));
    const sorted = (ids: string[]) => ids.map((id) => { const [lo, hi] = key(id); return hi! * 2 ** 32 + lo!; }).sort((a, b) => a - b);
    const sets = windows.map((w) => sorted(window(w.start, w.size).subjects as string[]));
    const mine = sorted(window(released * 100 + 100, 3000).subjects as string[]);
    const exactStarted = performance.now();
    let near = 0;
    for (const other of sets) if (symmetricDifference(mine, other) < FLOOR) near++;
    const exact = performance.now() - exactStarted;
    if (near > 0) throw new Error('the exact check disagrees with the audit');
    return { audit, load: loaded - started, cpu: cpuMs, exact };
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function symmetricDifference(a: number[], b: number[]): number {
  let i = 0;
  let j = 0;
  let differ = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (a[i]! < b[j]!) {
      i++;
      differ++;
    } else {
      j++;
      differ++;
    }
  }
  return differ + (a.length - i) + (b.length - j);
}
