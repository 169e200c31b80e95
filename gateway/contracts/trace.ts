import { SluiceError } from '../../common/index.ts';
import { deriveTransformKeys, traceLeak, type TraceCandidate } from '../desensitize/index.ts';
import type { GatewayContext } from '../context.ts';
import type { DataRecord } from '../datasets/records.ts';
import type { DatasetRow } from '../datasets/service.ts';
import { contractTerms, transformSecretContext } from './service.ts';

/** Rows of a leaked extract examined; enough for any realistic leak, bounded for memory. */
export const TRACE_MAX_ROWS = 1_000_000;

/**
 * Names the contract (and so the recipient) a leaked extract of the owner's dataset came from,
 * by the canary rows planted in fingerprinted contracts' packages. The fingerprint keys are
 * derived from the contracts' KMS-held secrets and never leave this request.
 */
export async function traceDatasetLeak(ctx: GatewayContext, dataset: DatasetRow, leaked: AsyncIterable<Record<string, unknown>[]>) {
  const contracts = await ctx.db.selectFrom('contracts').selectAll().where('dataset_id', '=', dataset.id).where('status', '!=', 'pending').execute();
  const candidates: Array<TraceCandidate & { contractId: string }> = [];
  for (const contract of contracts) {
    if (contractTerms(contract).fingerprint !== true) continue;
    try {
      const secret = await ctx.kms.decrypt(contract.kek_id, contract.secret, transformSecretContext(contract.id));
      candidates.push({ recipientId: contract.recipient_id, contractId: contract.id, key: deriveTransformKeys(secret).fingerprint });
      secret.fill(0);
    } catch (error) {
      // A shredded contract can no longer be traced, by design; anything else is a real failure.
      if (!(error instanceof SluiceError && error.code === 'KEY_DESTROYED')) throw error;
    }
  }
  const records: DataRecord[] = [];
  for await (const batch of leaked) {
    for (const record of batch) {
      if (records.length >= TRACE_MAX_ROWS) break;
      records.push(record as DataRecord);
    }
  }
  const result = traceLeak(records, candidates);
  const byRecipient = (recipientId: string | undefined) => candidates.find((c) => c.recipientId === recipientId)?.contractId ?? null;
  return {
    recipientId: result.recipientId ?? null,
    contractId: result.recipientId ? byRecipient(result.recipientId) : null,
    score: result.score,
    candidates: result.candidates.map((c) => ({ recipientId: c.recipientId, contractId: byRecipient(c.recipientId), score: c.score })),
  };
}
