import { SluiceError } from '../../common/index.ts';
import type { Party, Principal } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { contractTerms } from '../contracts/service.ts';
import type { TransfersTable } from '../db/schema.ts';
import type { IdempotencyClaim } from '../http/idempotency.ts';
import { newId } from '../ids.ts';
import type { TransferRunner } from './jobs.ts';
import { completeTransfer, type CompletedTransfer } from './complete.ts';
import { downloadDeadline } from './lifecycle.ts';
import { prepareTransfer } from './prepare.ts';
import type { TransferRequest, TransferView } from './schemas.ts';
import { producePackage } from './produce.ts';

export type TransferRow = TransfersTable;
export type { CompletedTransfer } from './complete.ts';

export type TransferResponse = { status: 201; body: CompletedTransfer } | { status: 202; body: { id: string; status: 'running' } };

/**
 * `POST /v1/transfers`: every gate (compliance included) is passed before any key is unwrapped;
 * then a transfer of at most `transferSyncRecords` records is produced and released in this
 * request (201), a larger one is accepted (202) and produced by the runner in the background.
 */
export async function createTransfer(
  ctx: GatewayContext,
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
  const body = await completeTransfer(ctx, prepared, produced, async (trx, response) => idempotency?.record(trx, 201, response));
  return { status: 201, body };
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
  return {
    id,
    status: job.status,
    progress: transferProgress(job),
    records: job.records,
    ...(job.status === 'failed' ? { error: transferFailure(job) } : {}),
  };
}

/** Why a background transfer failed: its SURFACE code and a message that holds no value. */
export function transferFailure(job: { error_code: string | null; error_message: string | null }): { code: string; message: string } {
  return { code: job.error_code ?? 'INTERNAL', message: job.error_message ?? 'transfer failed' };
}

/** How far a transfer is, 0..1: a failed one made nothing that will be released. */
export function transferProgress(state: { status: TransferView['status']; done: number; records: number }): number {
  if (state.status === 'completed') return 1;
  return state.status === 'failed' || state.records === 0 ? 0 : Math.min(1, state.done / state.records);
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

function assertRecipient(principal: Principal, recipientId: string): void {
  if (principal.role !== 'party' || principal.party.id !== recipientId) throw new SluiceError('FORBIDDEN', 'only the recipient may download the package');
}
