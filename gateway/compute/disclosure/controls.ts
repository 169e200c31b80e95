import { createHmac } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { SluiceError } from '../../../common/index.ts';
import { plannedNoise, suppressCells, type NoiseReport, type OperationKind, type SuppressedCell } from '../../../compute/index.ts';
import { open, seal } from '../../../crypto/index.ts';
import type { LedgerRecord } from '../../../ledger/index.ts';
import type { GatewaySchema } from '../../db/schema.ts';
import { committedUploads } from '../../datasets/service.ts';
import { distinctPersons, type AuthorizedInput, type ColumnValues } from '../inputs.ts';
import type { JobRow } from '../jobs.ts';
import type { CreateJobBody } from '../schemas.ts';
import type { ComputeRuntime } from '../runtime.ts';
import { auditCells, type AuditCell, type AuditResult } from './audit.ts';
import { budgetStates, confirmSpends, refundSpends, reserveBudget, type BudgetState } from './budget.ts';
import { ownerKeys, type OwnerKeys } from './keys.ts';
import { disclosureRisk, planDisclosure, type DisclosurePlan } from './plan.ts';
import { JobProfile, type ShareProfile } from './profile.ts';
import { readSketch, type Sketch } from './sketch.ts';
import type { DisclosureCellsTable } from './tables.ts';

/** A figure of the job being created, with the sketch it will be stored as. */
export type FreshCell = AuditCell & { sketch: Sketch };

/** What an owner is shown before approving: what the job reveals of its persons. */
export interface OwnerPreview {
  /** The owner's persons the job covers. */
  coveredPersons: number;
  /** The owner's persons in the smallest released cell that holds any (the job itself, or a histogram bin). */
  smallestCell: number;
  /** Histogram bins withheld. */
  suppressedCells: number[];
  /** Null when differential privacy protects this owner's share instead of the audit. */
  overlap: { earlierFigures: number; closest: { jobId: string; differingPersons: number | null } | null } | null;
  noise?: NoiseReport;
  budget?: BudgetState & { epsilon: number };
}

/**
 * A job's disclosure controls from creation to its end, called at the few points of the job's
 * life that matter: checked and budgeted before data is read, measured as it is read, audited
 * before the job exists, recorded with its creation, applied at release, undone when it fails.
 */
export class JobControls {
  readonly plan: DisclosurePlan;
  readonly #rt: ComputeRuntime;
  readonly #body: CreateJobBody;
  readonly #authorized: readonly AuthorizedInput[];
  #keys: Map<string, OwnerKeys> | undefined;
  #profile: JobProfile | undefined;
  #pins: string[][] = [];

  /** Refuses, before anything is written, what no data could make safe (DISCLOSURE_RISK, FORBIDDEN). */
  constructor(rt: ComputeRuntime, body: CreateJobBody, authorized: readonly AuthorizedInput[]) {
    this.#rt = rt;
    this.#body = body;
    this.#authorized = authorized;
    this.plan = planDisclosure(rt.ctx.config, body, authorized);
  }

  /**
   * Once the job row exists: the owners' budgets are drawn (PRIVACY_BUDGET_EXHAUSTED otherwise),
   * their disclosure keys unwrapped, and each input's dataset state pinned — the uploads
   * committed now are what the job reads, now and at a PSI exchange later.
   */
  async start(job: JobRow): Promise<void> {
    const { ctx } = this.#rt;
    await reserveBudget(this.#rt.ctx.db, job.id, job.requester_id, this.plan.budgets, ctx.now());
    this.#keys = await ownerKeys(ctx, this.plan.inputs.map((i) => i.owner));
    this.#pins = await Promise.all(this.#authorized.map((a) => committedUploads(ctx, a.dataset.id)));
    this.#profile = new JobProfile({ operation: this.#body.operation, buckets: this.#body.buckets, width: this.plan.width, inputs: this.plan.inputs, keys: this.#keys });
  }

  /** The pinned uploads of input `index`, to read exactly those. */
  pin(index: number): readonly string[] {
    return this.#pins[index]!;
  }

  /** An input's column as read; returns what the job computes on (DP terms applied). */
  measure(index: number, column: ColumnValues): ColumnValues {
    return this.#profile!.add(index, column);
  }

  /**
   * After every column was read: per-owner floors, cell suppression, and the differencing audit
   * against what this requester already holds of each owner — under a lock per requester, so
   * two jobs cannot pass the audit against each other's absence. The job's figures are then
   * recorded as pending (later jobs are audited against them too). Throws DISCLOSURE_RISK.
   */
  async audit(job: JobRow, columns: readonly ColumnValues[]): Promise<void> {
    const { floor } = this.plan;
    const shares = this.#profile!.finish();
    this.#checkInputs(columns);
    const audited = shares.filter((s) => !s.dp);
    for (const share of audited) {
      const whole = share.cells[0]!.persons;
      if (whole > 0 && whole < floor) throw disclosureRisk('small_share');
    }
    const bins = this.#body.operation === 'histogram' ? this.#body.buckets!.length - 1 : 0;
    const suppress = bins > 0 ? suppressCells(bins, audited.map((s) => s.share), floor) : [];
    const withheld = new Set(suppress.map((s) => s.cell + 1));
    const db = this.#rt.ctx.db;
    const now = this.#rt.ctx.now().toISOString();
    await db.transaction().execute(async (trx) => {
      await lockRequester(trx, this.#rt.ctx.dialect, job.requester_id);
      const previews: Record<string, OwnerPreview> = {};
      for (const share of shares) {
        const released = share.cells.filter((c) => !withheld.has(c.cell) && c.persons > 0);
        let result: AuditResult = {};
        let earlier = 0;
        if (!share.dp) {
          const keys = this.#keys!.get(share.owner)!;
          const stored = await storedCells(trx, keys, job.requester_id, share.owner);
          earlier = stored.length;
          const fresh: FreshCell[] = released.map((c) => ({ jobId: job.id, weight: c.weight, persons: c.persons, digest: digestOf(keys, c.sketch!), sketch: c.sketch! }));
          result = auditCells(keys.sketch, fresh, stored, floor);
          if (result.risk) throw disclosureRisk(result.risk);
          for (const [i, cell] of released.entries()) await insertCell(trx, keys, job, share.owner, cell.cell, fresh[i]!, now);
        }
        previews[share.owner] = preview(share, released, suppress, share.dp ? null : { earlierFigures: earlier, closest: result.closest ?? null });
        if (this.plan.dp) previews[share.owner]!.noise = plannedNoise(this.#body.operation as OperationKind, this.plan.dp);
      }
      await trx
        .insertInto('disclosure_jobs')
        .values({ job_id: job.id, requester_id: job.requester_id, suppress: JSON.stringify(suppress), previews: JSON.stringify(previews), pins: JSON.stringify(this.#pins), created_at: now })
        .execute();
    });
  }

  /** Groups the job must hold whatever was released before: a PSI set, each weighted input. */
  #checkInputs(columns: readonly ColumnValues[]): void {
    const { floor } = this.plan;
    if (this.#body.operation === 'psi') {
      const set = new Set(columns.flatMap((c) => c.values.map(String)));
      if (set.size < floor) throw new SluiceError('GROUP_TOO_SMALL', 'the owners’ set is smaller than the job’s minimum group size', { minGroupSize: floor });
    }
    // A weighted sum is a sum of weighted inputs: each must be a group in its own right.
    if (this.#body.operation === 'weightedSum' && columns.some((c, i) => this.#body.weights![i] !== 0 && distinctPersons([c]) < floor)) {
      throw disclosureRisk('small_input');
    }
  }
}

function preview(share: ShareProfile, released: ShareProfile['cells'], suppress: SuppressedCell[], overlap: OwnerPreview['overlap']): OwnerPreview {
  return {
    coveredPersons: share.cells[0]!.persons,
    smallestCell: Math.min(...released.map((c) => c.persons), share.cells[0]!.persons),
    suppressedCells: suppress.map((s) => s.cell),
    overlap,
  };
}

async function lockRequester(trx: Transaction<GatewaySchema>, dialect: string, requesterId: string): Promise<void> {
  if (dialect === 'postgres') {
    await sql`SELECT pg_advisory_xact_lock(hashtext('sluice.disclosure'), hashtext(${requesterId}))`.execute(trx);
    return;
  }
  await trx
    .insertInto('disclosure_locks')
    .values({ requester_id: requesterId, acquisitions: 1 })
    .onConflict((c) => c.column('requester_id').doUpdateSet({ acquisitions: sql`disclosure_locks.acquisitions + 1` }))
    .execute();
}

function digestOf(keys: OwnerKeys, sketch: Sketch): string {
  return createHmac('sha256', keys.digest).update(sketch.serialize()).digest('hex');
}

/** The owner's earlier figures for this requester, unsealed: what a new job is audited against. */
export async function storedCells(db: Kysely<GatewaySchema>, keys: OwnerKeys, requesterId: string, ownerId: string): Promise<AuditCell[]> {
  const rows = await db
    .selectFrom('disclosure_cells')
    .select(['id', 'job_id', 'weight', 'persons', 'digest', 'sketch'])
    .where('requester_id', '=', requesterId)
    .where('owner_id', '=', ownerId)
    .execute();
  return rows.map((row) => ({
    jobId: row.job_id,
    weight: Number(row.weight),
    persons: Number(row.persons),
    digest: row.digest,
    sketch: readSketch(open('AES-256-GCM', keys.seal, row.sketch, row.id)),
  }));
}

/** Records one audited figure as pending, sealed under the owner's key and bound to its row. */
export async function insertCell(trx: Kysely<GatewaySchema>, keys: OwnerKeys, job: Pick<JobRow, 'id' | 'requester_id'>, ownerId: string, cell: number, audited: FreshCell, now: string): Promise<void> {
  const id = `${job.id}:${ownerId}:${cell}`;
  const row: DisclosureCellsTable = {
    id,
    job_id: job.id,
    requester_id: job.requester_id,
    owner_id: ownerId,
    cell,
    status: 'pending',
    persons: audited.persons,
    weight: audited.weight,
    digest: audited.digest,
    sketch: seal('AES-256-GCM', keys.seal, audited.sketch.serialize(), id),
    created_at: now,
  };
  await trx.insertInto('disclosure_cells').values(row).execute();
}

/** In the transaction that creates the job for good: its budget draws become anchored spends. */
export async function jobCreated(trx: Transaction<GatewaySchema>, jobId: string, timestamp: string): Promise<LedgerRecord[]> {
  return confirmSpends(trx, jobId, timestamp);
}

/** The bins the KMS must withhold at decryption. */
export async function releaseSuppression(db: Kysely<GatewaySchema>, jobId: string): Promise<SuppressedCell[]> {
  const row = await db.selectFrom('disclosure_jobs').select('suppress').where('job_id', '=', jobId).executeTakeFirst();
  return row ? (JSON.parse(row.suppress) as SuppressedCell[]) : [];
}

/** In the release transaction: the job's figures are released ones now. */
export async function jobReleased(trx: Transaction<GatewaySchema>, jobId: string): Promise<void> {
  await trx.updateTable('disclosure_cells').set({ status: 'released' }).where('job_id', '=', jobId).execute();
}

/** The budget a released result reports: the tightest of its owners'. */
export async function resultBudget(db: Kysely<GatewaySchema>, jobId: string): Promise<BudgetState | undefined> {
  const [tightest] = await budgetStates(db, jobId);
  return tightest && { spent: tightest.spent, remaining: tightest.remaining, period: tightest.period };
}

/** In the failure transaction: the job's figures were never released, its ε comes back. */
export async function jobFailed(trx: Transaction<GatewaySchema>, jobId: string, timestamp: string): Promise<LedgerRecord[]> {
  await trx.deleteFrom('disclosure_cells').where('job_id', '=', jobId).execute();
  return refundSpends(trx, jobId, timestamp);
}

/** A job refused while it was created leaves nothing behind: no figures, no draw, no record. */
export async function discardJob(db: Kysely<GatewaySchema>, jobId: string, timestamp: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await jobFailed(trx, jobId, timestamp);
    await trx.deleteFrom('privacy_spends').where('job_id', '=', jobId).execute();
    await trx.deleteFrom('disclosure_jobs').where('job_id', '=', jobId).execute();
  });
}

/** What the owner sees in `GET /v1/compute/jobs/:id`, with its budget as it stands now. */
export async function ownerPreview(db: Kysely<GatewaySchema>, jobId: string, ownerId: string): Promise<OwnerPreview | undefined> {
  const row = await db.selectFrom('disclosure_jobs').select('previews').where('job_id', '=', jobId).executeTakeFirst();
  const view = row ? (JSON.parse(row.previews) as Record<string, OwnerPreview>)[ownerId] : undefined;
  if (!view) return undefined;
  const budget = (await budgetStates(db, jobId)).find((b) => b.ownerId === ownerId);
  if (budget) view.budget = { epsilon: budget.epsilon, spent: budget.spent, remaining: budget.remaining, period: budget.period };
  return view;
}

/** The dataset state a job pinned, per dataset input. */
export async function pinnedUploads(db: Kysely<GatewaySchema>, jobId: string): Promise<string[][] | undefined> {
  const row = await db.selectFrom('disclosure_jobs').select('pins').where('job_id', '=', jobId).executeTakeFirst();
  return row ? (JSON.parse(row.pins) as string[][]) : undefined;
}
