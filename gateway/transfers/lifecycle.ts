import type { GatewayContext } from '../context.ts';
import { deletePackageParts, destroyPackageKey } from './package-store.ts';
import { downloadDeadline } from './service.ts';

/**
 * Deletes the packages no one may download any more — download window over, contract revoked
 * or expired — and destroys their package keys in the KMS (so copies left in free pages, the
 * WAL or backups cannot be opened either). Idempotent; any gateway may run it. Returns how many
 * packages were deleted.
 */
export async function sweepPackages(ctx: GatewayContext, now: Date = ctx.now()): Promise<number> {
  const live = await ctx.db
    .selectFrom('transfers')
    .innerJoin('contracts', 'contracts.id', 'transfers.contract_id')
    .select(['transfers.id', 'transfers.created_at', 'transfers.package_key_id', 'contracts.status', 'contracts.valid_until'])
    .where('transfers.package_deleted_at', 'is', null)
    .execute();
  let deleted = 0;
  for (const row of live) {
    const over =
      row.status === 'revoked' ||
      now.getTime() >= Date.parse(row.valid_until) ||
      now.getTime() >= downloadDeadline(ctx, row);
    if (!over) continue;
    if (row.package_key_id) await destroyPackageKey(ctx, row.package_key_id);
    await deletePackageParts(ctx, row.id);
    await ctx.db.updateTable('transfers').set({ package_deleted_at: now.toISOString() }).where('id', '=', row.id).execute();
    deleted++;
  }
  if (deleted > 0) ctx.logger.info({ deleted }, 'packages past their download window deleted');
  return deleted;
}
