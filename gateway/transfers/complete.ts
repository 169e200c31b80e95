import type { Transaction } from 'kysely';
import type { LedgerRecord } from '../../ledger/index.ts';
import { enqueue } from '../anchoring/outbox.ts';
import type { GatewayContext } from '../context.ts';
import { contractTerms, type ContractRow } from '../contracts/service.ts';
import type { ContractTerms } from '../contracts/schemas.ts';
import type { GatewaySchema } from '../db/schema.ts';
import { assertContractUsable } from './checks.ts';
import { candidateFilings, clearForExport, releaseFooting, type ComplianceClearance } from './compliance-gate.ts';
import type { DeliveredField, PreparedTransfer } from './prepare.ts';
import { discardPackage, type ProducedPackage } from './produce.ts';

export type CompletedTransfer = {
  id: string;
  status: 'completed';
  records: number;
  subjects: number;
  receipt: LedgerRecord;
};

/**
 * Releases a produced package: in one transaction the contract is checked again (a revocation
 * or expiry during production wins), the export is cleared and counted under the exporter's
 * lock, and the transfer row and its receipt (through the outbox) are written. `within` joins
 * the transaction (the runner's lease check, an idempotency record). If anything refuses, the
 * package is discarded and nothing is counted.
 */
export async function completeTransfer(
  ctx: GatewayContext,
  t: PreparedTransfer,
  produced: ProducedPackage,
  within?: (trx: Transaction<GatewaySchema>, response: CompletedTransfer) => Promise<unknown>,
): Promise<CompletedTransfer> {
  const createdAt = t.createdAt.toISOString();
  let response: CompletedTransfer;
  try {
    const filings = await candidateFilings(ctx, t.owner.id, createdAt);
    response = await ctx.db.transaction().execute(async (trx) => {
      const contract = await trx.selectFrom('contracts').selectAll().where('id', '=', t.contract.id).executeTakeFirstOrThrow();
      assertContractUsable(contract, contractTerms(contract), t.purpose, ctx.now());
      const clearance = await clearForExport(ctx, trx, { exporter: t.owner, terms: t.terms, fields: t.released, subjects: t.subjects, at: t.createdAt, filings });
      const receipt = receiptRecord({ t, packageDigest: produced.digest, clearance });
      await trx
        .insertInto('transfers')
        .values({
          id: t.transferId,
          contract_id: t.contract.id,
          exporter_id: t.owner.id,
          recipient_id: t.recipient.id,
          dataset_id: t.dataset.id,
          purpose: t.purpose,
          records: t.plan.records,
          subjects: t.subjects.size,
          wrapped_field_key: produced.wrappedFieldKeys,
          receipt: JSON.stringify(receipt),
          package_digest: produced.digest,
          created_at: createdAt,
          package_size: produced.size,
          package_attempt: produced.attempt,
          package_key_id: produced.packageKeyId,
          package_key: produced.packageKey,
          package_deleted_at: null,
        })
        .execute();
      await enqueue(trx, receipt);
      const completed: CompletedTransfer = { id: t.transferId, status: 'completed', records: t.plan.records, subjects: t.subjects.size, receipt };
      await within?.(trx, completed);
      return completed;
    });
  } catch (error) {
    await discardPackage(ctx, t.transferId, { only: produced.attempt });
    throw error;
  }
  await ctx.relay.anchor(response.receipt.id);
  return response;
}

/** The receipt is the ledger record itself: digests, counts and categories, never values. */
function receiptRecord(input: { t: PreparedTransfer; packageDigest: string; clearance: ComplianceClearance }): LedgerRecord {
  const { t, clearance } = input;
  const contract: ContractRow = t.contract;
  const terms: ContractTerms = t.terms;
  const createdAt = t.createdAt.toISOString();
  return {
    id: t.transferId,
    type: 'transfer.receipt',
    timestamp: createdAt,
    contractId: contract.id,
    exporterId: contract.owner_id,
    data: {
      transferId: t.transferId,
      contractId: contract.id,
      contractDigest: contract.digest,
      datasetId: contract.dataset_id,
      exporterId: contract.owner_id,
      recipientId: contract.recipient_id,
      purpose: t.purpose,
      legalBasis: terms.legalBasis,
      scenario: terms.scenario,
      records: t.plan.records,
      subjects: t.subjects.size,
      fields: t.delivered.map((f: DeliveredField) => ({ name: f.name, category: f.category, transform: f.policy.transform })),
      packageDigest: input.packageDigest,
      ...releaseFooting(terms, clearance),
    },
  };
}
