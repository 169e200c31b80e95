import { randomBytes } from '../../crypto/index.ts';
import type { GatewayContext } from '../context.ts';
import { readRecords, unwrapDatasetKey, type DatasetRow } from '../datasets/service.ts';
import type { DataRecord } from '../datasets/records.ts';
import { createDesensitizer, deriveTransformKeys, kAnonymity, quasiIdentifiersOf } from '../desensitize/index.ts';

/** Records examined for re-identification risk. */
const K_SAMPLE = 100_000;

/** Below this k, contracts are flagged (a warning at proposal, in the console and `sluice contract show`). */
export const WARN_BELOW_K = 5;

/**
 * The stored records (up to K_SAMPLE) with the given policies applied. Deterministic transforms
 * group equal inputs equally under any key, so a throwaway key measures the same equivalence
 * classes the recipient will see.
 */
export async function transformedSample(ctx: GatewayContext, dataset: DatasetRow, policies: Record<string, unknown>): Promise<DataRecord[]> {
  const dek = await unwrapDatasetKey(ctx, dataset);
  const sample: DataRecord[] = [];
  try {
    for await (const batch of readRecords(ctx, dataset, dek, K_SAMPLE)) sample.push(...batch);
  } finally {
    dek.fill(0);
  }
  return createDesensitizer(policies, deriveTransformKeys(randomBytes(32))).transformAll(sample) as DataRecord[];
}

export interface ReleaseRisk {
  /** Released fields whose values a stranger could link to outside knowledge. */
  quasiIdentifiers: string[];
  /** Size of the rarest combination of their values on the stored records; null when there is nothing to measure. */
  k: number | null;
  sampled: number;
}

/** Re-identification risk of a contract's release, measured now on the stored records (counts only). */
export async function releaseRisk(ctx: GatewayContext, dataset: DatasetRow, fields: Record<string, unknown>): Promise<ReleaseRisk> {
  const quasiIdentifiers = quasiIdentifiersOf(fields);
  if (quasiIdentifiers.length === 0 || dataset.record_count === 0) return { quasiIdentifiers, k: null, sampled: 0 };
  const policies = Object.fromEntries(quasiIdentifiers.map((name) => [name, fields[name]]));
  const sample = await transformedSample(ctx, dataset, policies);
  return { quasiIdentifiers, k: kAnonymity(sample, quasiIdentifiers, 0).k, sampled: sample.length };
}
