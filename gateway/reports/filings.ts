import { createHash } from 'node:crypto';
import type { Filing } from '../compliance/index.ts';
import type { LedgerRecord } from '../../ledger/index.ts';
import { enqueue } from '../anchoring/outbox.ts';
import type { GatewayContext } from '../context.ts';

/**
 * Filings on the ledger: each recorded filing and each regulator confirmation is an
 * `audit.event` record written in the same transaction as the row, so what an owner declared
 * and what a regulator approved are provable later. Records carry the filing's reference,
 * mechanism and validity — identifiers, never personal data.
 */
function filingRecord(event: 'filing.recorded' | 'filing.confirmed', filing: Filing, timestamp: string): LedgerRecord {
  const key = createHash('sha256').update(`${filing.exporterId}\u0000${filing.reference}`).digest('hex').slice(0, 32);
  return {
    id: `filing.${key}.${event === 'filing.recorded' ? 'recorded' : 'confirmed'}`,
    type: 'audit.event',
    timestamp,
    exporterId: filing.exporterId,
    data: {
      event,
      mechanism: filing.mechanism,
      reference: filing.reference,
      validFrom: filing.validFrom,
      validUntil: filing.validUntil,
      status: filing.status,
      ...(filing.confirmedBy ? { confirmedBy: filing.confirmedBy } : {}),
    },
  };
}

export async function recordFiling(ctx: GatewayContext, exporterId: string, input: unknown): Promise<Filing & { ledger: string }> {
  const now = ctx.now();
  const { filing, record } = await ctx.db.transaction().execute(async (trx) => {
    const recorded = await ctx.compliance.filings.record(exporterId, input, now, trx);
    const entry = filingRecord('filing.recorded', recorded, now.toISOString());
    await enqueue(trx, entry);
    return { filing: recorded, record: entry };
  });
  await ctx.relay.anchor(record.id);
  return { ...filing, ledger: record.id };
}

export async function confirmFiling(ctx: GatewayContext, regulatorId: string, exporterId: string, reference: string): Promise<Filing & { ledger: string }> {
  const now = ctx.now();
  const { filing, record } = await ctx.db.transaction().execute(async (trx) => {
    const confirmed = await ctx.compliance.filings.confirm(exporterId, reference, regulatorId, now, trx);
    const entry = filingRecord('filing.confirmed', confirmed.filing, confirmed.filing.confirmedAt ?? now.toISOString());
    if (confirmed.confirmedNow) await enqueue(trx, entry);
    return { filing: confirmed.filing, record: entry };
  });
  await ctx.relay.anchor(record.id);
  return { ...filing, ledger: record.id };
}
