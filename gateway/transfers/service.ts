import type { Transaction } from 'kysely';
import { SluiceError } from '../../common/index.ts';
import type { LedgerRecord } from '../../ledger/index.ts';
import { enqueue, type OutboxRelay } from '../anchoring/outbox.ts';
import type { Party, Principal } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { contractTerms, type ContractRow } from '../contracts/service.ts';
import type { ContractTerms } from '../contracts/schemas.ts';
import type { GatewaySchema, TransfersTable } from '../db/schema.ts';
import type { IdempotencyClaim } from '../http/idempotency.ts';
import { newId } from '../ids.ts';
import { assertContractUsable } from './checks.ts';
import { candidateFilings, clearForExport, type ComplianceClearance } from './compliance-gate.ts';
import type { TransferRunner } from './jobs.ts';
import { prepareTransfer, type DeliveredField, type PreparedTransfer, type TransferRequest } from './prepare.ts';
import { discardPackage, producePackage, type ProducedPackage } from './produce.ts';

export type TransferRow = TransfersTable;
export type { TransferRequest } from './prepare.ts';

export interface CompletedTransfer {
  id: string;
  status: 'completed';
  records: number;
  subjects: number;
  receipt: LedgerRecord;
}

export type TransferResponse = { status: 201; body: CompletedTransfer } | { status: 202; body: { id: string; status: 'running' } };

/**
 * `POST /v1/transfers`: every gate (compliance included) is passed before any key is unwrapped;
 * then a transfer of at most `transferSyncRecords` records is produced and released in this
 * request (201), a larger one is accepted (202) and produced by the runner in the background.
 */
export async function createTransfer(
  ctx: GatewayContext,
  relay: OutboxRelay,
  runner: TransferRunner,
  recipient: Party,
  request: TransferRequest,
  idempotency?: IdempotencyClaim,
): Promise<TransferResponse> {
  const prepared = await prepareTransfer(ctx, recipient, request, newId('trf'));
  if (prepared.plan.records > ctx.config.transferSyncRecords) {
    const body = { id: prepared.transferId, status: 'running' as const };
    await runner.accept(prepared, async (trx) => idempotency?.record(trx, 202, body));
    return { status: 202, body };
  }
  const produced = await producePackage(ctx, prepared);
  const body = await completeTransfer(ctx, relay, prepared, produced, async (trx, response) => idempotency?.record(trx, 201, response));
  return { status: 201, body };
}

/**
 * Releases a produced package: in one transaction the contract is checked again (a revocation
 * or expiry during production wins), the export is cleared and counted under the exporter's
 * lock, and the transfer row and its receipt (through the outbox) are written. `within` joins
 * the transaction (the runner's lease check, an idempotency record). If anything refuses, the
 * package is discarded and nothing is counted.
 */
export async function completeTransfer(
  ctx: GatewayContext,
  relay: OutboxRelay,
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
  await relay.anchor(response.receipt.id);
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
      destination: terms.destination,
      retentionDays: terms.retentionDays,
      onwardTransfer: terms.onwardTransfer,
      mechanism: clearance.assessment.mechanism,
      regime: clearance.assessment.regime,
      rules: clearance.assessment.rules,
      filingReference: clearance.filingReference,
      counted: clearance.counted,
    },
  };
}

export async function getTransfer(ctx: GatewayContext, id: string): Promise<TransferRow> {
  const transfer = await ctx.db.selectFrom('transfers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!transfer) throw new SluiceError('NOT_FOUND', 'transfer not found');
  return transfer;
}

/** Receipts and progress are for the recipient, the exporter and regulators; packages for the recipient alone. */
export function assertMayReadReceipt(principal: Principal, transfer: { recipient_id: string; exporter_id: string }): void {
  if (principal.role === 'admin') return;
  const { party } = principal;
  if (party.id === transfer.recipient_id || party.id === transfer.exporter_id || party.kind === 'regulator') return;
  throw new SluiceError('FORBIDDEN', 'not a party to this transfer');
}

export interface TransferView {
  id: string;
  status: 'running' | 'completed' | 'failed';
  progress: number;
  records: number;
  error?: { code: string; message: string };
}

/** `GET /v1/transfers/:id`: a completed transfer, or a background one as it stands (from the database, so any gateway answers). */
export async function transferView(ctx: GatewayContext, principal: Principal, id: string): Promise<TransferView> {
  const transfer = await ctx.db.selectFrom('transfers').select(['id', 'recipient_id', 'exporter_id', 'records']).where('id', '=', id).executeTakeFirst();
  if (transfer) {
    assertMayReadReceipt(principal, transfer);
    return { id, status: 'completed', progress: 1, records: transfer.records };
  }
  const job = await ctx.db
    .selectFrom('transfer_jobs')
    .innerJoin('contracts', 'contracts.id', 'transfer_jobs.contract_id')
    .select(['transfer_jobs.status', 'transfer_jobs.records', 'transfer_jobs.done', 'transfer_jobs.error_code', 'transfer_jobs.error_message', 'transfer_jobs.recipient_id', 'contracts.owner_id'])
    .where('transfer_jobs.id', '=', id)
    .executeTakeFirst();
  if (!job) throw new SluiceError('NOT_FOUND', 'transfer not found');
  assertMayReadReceipt(principal, { recipient_id: job.recipient_id, exporter_id: job.owner_id });
  // A job is marked completed in the transaction that writes its transfer row (which may have landed since the first read).
  if (job.status === 'completed') return { id, status: 'completed', progress: 1, records: job.records };
  const progress = job.status === 'failed' || job.records === 0 ? 0 : Math.min(1, job.done / job.records);
  return {
    id,
    status: job.status,
    progress,
    records: job.records,
    ...(job.status === 'failed' ? { error: { code: job.error_code ?? 'INTERNAL', message: job.error_message ?? 'transfer failed' } } : {}),
  };
}

/**
 * The transfer whose package the caller may download now: the recipient's, completed, its
 * contract neither revoked nor expired (revocation and expiry reach packages not yet
 * downloaded), within the download window and not deleted.
 */
export async function downloadableTransfer(ctx: GatewayContext, principal: Principal, id: string): Promise<TransferRow> {
  const transfer = await ctx.db.selectFrom('transfers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!transfer) {
    const job = await ctx.db.selectFrom('transfer_jobs').select(['status', 'recipient_id']).where('id', '=', id).executeTakeFirst();
    if (!job) throw new SluiceError('NOT_FOUND', 'transfer not found');
    assertRecipient(principal, job.recipient_id);
    throw new SluiceError('CONFLICT', job.status === 'failed' ? 'the transfer failed; there is no package' : 'the transfer is still running; the package is available once it completes', { status: job.status });
  }
  assertRecipient(principal, transfer.recipient_id);
  const contract = await ctx.db.selectFrom('contracts').selectAll().where('id', '=', transfer.contract_id).executeTakeFirstOrThrow();
  if (contract.status === 'revoked') throw new SluiceError('CONTRACT_REVOKED', 'contract was revoked; its packages are no longer released');
  const now = ctx.now();
  if (now.getTime() >= Date.parse(contractTerms(contract).validUntil)) throw new SluiceError('CONTRACT_EXPIRED', 'contract has expired; its packages are no longer released');
  if (transfer.package_deleted_at !== null || now.getTime() >= downloadDeadline(ctx, transfer)) {
    throw new SluiceError('PACKAGE_EXPIRED', 'the download window of this package has closed; it was deleted', { windowHours: ctx.config.packageWindowHours });
  }
  return transfer;
}

/** When a package's download window closes (ms since the epoch). */
export function downloadDeadline(ctx: GatewayContext, transfer: Pick<TransferRow, 'created_at'>): number {
  return Date.parse(transfer.created_at) + ctx.config.packageWindowHours * 3_600_000;
}

function assertRecipient(principal: Principal, recipientId: string): void {
  if (principal.role !== 'party' || principal.party.id !== recipientId) throw new SluiceError('FORBIDDEN', 'only the recipient may download the package');
}
