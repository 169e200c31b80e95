import { sql, type Kysely, type Transaction } from 'kysely';
import { SluiceError } from '../../../common/index.ts';
import type { LedgerRecord } from '../../../ledger/index.ts';
import type { GatewaySchema } from '../../db/schema.ts';
import type { BudgetClaim } from './plan.ts';
import type { PrivacySpendsTable } from './tables.ts';
import type { BudgetPeriod } from './terms.ts';

/** The budget period a moment falls in (UTC calendar). */
export function periodKey(period: BudgetPeriod, now: Date): string {
  const iso = now.toISOString();
  return `${period}:${period === 'day' ? iso.slice(0, 10) : period === 'month' ? iso.slice(0, 7) : iso.slice(0, 4)}`;
}

/**
 * Draws ε from each owner's budget for this recipient, all or nothing, in one transaction. The
 * draw is a conditional update (`spent + ε ≤ budget`), which PostgreSQL re-checks after a
 * concurrent writer commits and SQLite runs under its write lock: of jobs racing for the last ε,
 * exactly one gets it. The rest get PRIVACY_BUDGET_EXHAUSTED before any data is read.
 */
export async function reserveBudget(db: Kysely<GatewaySchema>, jobId: string, recipientId: string, claims: readonly BudgetClaim[], now: Date): Promise<void> {
  if (claims.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const claim of claims) {
      const period = periodKey(claim.period, now);
      await trx
        .insertInto('privacy_budgets')
        .values({ owner_id: claim.ownerId, recipient_id: recipientId, period, spent_micros: 0 })
        .onConflict((c) => c.columns(['owner_id', 'recipient_id', 'period']).doNothing())
        .execute();
      const drawn = await trx
        .updateTable('privacy_budgets')
        .set({ spent_micros: sql`spent_micros + ${claim.epsilonMicros}` })
        .where('owner_id', '=', claim.ownerId)
        .where('recipient_id', '=', recipientId)
        .where('period', '=', period)
        .where(sql<boolean>`spent_micros + ${claim.epsilonMicros} <= ${claim.budgetMicros}`)
        .executeTakeFirst();
      if (Number(drawn.numUpdatedRows) !== 1) {
        const left = await remaining(trx, claim.ownerId, recipientId, period, claim.budgetMicros);
        throw new SluiceError('PRIVACY_BUDGET_EXHAUSTED', 'the data owner’s privacy budget for this recipient and period cannot cover this release', {
          period: claim.period,
          epsilon: claim.epsilonMicros / 1e6,
          remaining: left / 1e6,
        });
      }
      await trx
        .insertInto('privacy_spends')
        .values({ job_id: jobId, owner_id: claim.ownerId, recipient_id: recipientId, period, epsilon_micros: claim.epsilonMicros, budget_micros: claim.budgetMicros, status: 'reserved', created_at: now.toISOString() })
        .execute();
    }
  });
}

async function remaining(db: Kysely<GatewaySchema>, ownerId: string, recipientId: string, period: string, budgetMicros: number): Promise<number> {
  const row = await db.selectFrom('privacy_budgets').select('spent_micros').where('owner_id', '=', ownerId).where('recipient_id', '=', recipientId).where('period', '=', period).executeTakeFirst();
  return Math.max(0, budgetMicros - Number(row?.spent_micros ?? 0));
}

/** The ledger record of a draw or a refund: owner, recipient, ε, and where the budget stands — never a figure. */
function spendRecord(spend: PrivacySpendsTable, action: 'spend' | 'refund', spentMicros: number, timestamp: string): LedgerRecord {
  return {
    // Ledger ids stay under 128 characters: the period's kind is enough to tell a job's draws apart.
    id: `${spend.job_id}.privacy-${action}.${spend.owner_id}.${spend.period.split(':')[0]}`,
    type: 'compute.privacy',
    timestamp,
    exporterId: spend.owner_id,
    data: {
      jobId: spend.job_id,
      action,
      ownerId: spend.owner_id,
      recipientId: spend.recipient_id,
      period: spend.period,
      epsilon: spend.epsilon_micros / 1e6,
      spent: spentMicros / 1e6,
      budget: spend.budget_micros / 1e6,
    },
  };
}

/** Once the job exists for good (its creation committed): the reservations are spends, each anchored. */
export async function confirmSpends(trx: Transaction<GatewaySchema>, jobId: string, timestamp: string): Promise<LedgerRecord[]> {
  const spends = await trx.selectFrom('privacy_spends').selectAll().where('job_id', '=', jobId).where('status', '=', 'reserved').execute();
  const records: LedgerRecord[] = [];
  for (const spend of spends) {
    await trx.updateTable('privacy_spends').set({ status: 'spent' }).where('job_id', '=', jobId).where('owner_id', '=', spend.owner_id).where('period', '=', spend.period).execute();
    records.push(spendRecord(spend, 'spend', await spentOf(trx, spend), timestamp));
  }
  return records;
}

/**
 * A job that ended without a release gives its ε back: a reservation silently (it was never
 * anchored), a spend with a refund record. Nothing was released, so nothing was consumed.
 */
export async function refundSpends(trx: Transaction<GatewaySchema>, jobId: string, timestamp: string): Promise<LedgerRecord[]> {
  const spends = await trx.selectFrom('privacy_spends').selectAll().where('job_id', '=', jobId).where('status', '!=', 'refunded').execute();
  const records: LedgerRecord[] = [];
  for (const spend of spends) {
    await trx
      .updateTable('privacy_budgets')
      .set({ spent_micros: sql`spent_micros - ${spend.epsilon_micros}` })
      .where('owner_id', '=', spend.owner_id)
      .where('recipient_id', '=', spend.recipient_id)
      .where('period', '=', spend.period)
      .execute();
    const row = { job: jobId, owner: spend.owner_id, period: spend.period };
    if (spend.status === 'reserved') {
      await trx.deleteFrom('privacy_spends').where('job_id', '=', row.job).where('owner_id', '=', row.owner).where('period', '=', row.period).execute();
      continue;
    }
    await trx.updateTable('privacy_spends').set({ status: 'refunded' }).where('job_id', '=', row.job).where('owner_id', '=', row.owner).where('period', '=', row.period).execute();
    records.push(spendRecord(spend, 'refund', await spentOf(trx, spend), timestamp));
  }
  return records;
}

async function spentOf(db: Kysely<GatewaySchema>, spend: PrivacySpendsTable): Promise<number> {
  const row = await db.selectFrom('privacy_budgets').select('spent_micros').where('owner_id', '=', spend.owner_id).where('recipient_id', '=', spend.recipient_id).where('period', '=', spend.period).executeTakeFirst();
  return Number(row?.spent_micros ?? 0);
}

export interface BudgetState {
  /** ε spent in the period, this job included. */
  spent: number;
  remaining: number;
  period: string;
}

/** Where each of the job's budgets stands now, tightest first. */
export async function budgetStates(db: Kysely<GatewaySchema>, jobId: string): Promise<(BudgetState & { ownerId: string; epsilon: number })[]> {
  const spends = await db.selectFrom('privacy_spends').selectAll().where('job_id', '=', jobId).where('status', '!=', 'refunded').execute();
  const states = await Promise.all(
    spends.map(async (spend) => {
      const spent = await spentOf(db, spend);
      return { ownerId: spend.owner_id, epsilon: spend.epsilon_micros / 1e6, spent: spent / 1e6, remaining: Math.max(0, spend.budget_micros - spent) / 1e6, period: spend.period };
    }),
  );
  return states.sort((a, b) => a.remaining - b.remaining);
}
