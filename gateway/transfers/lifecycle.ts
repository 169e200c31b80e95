import type { GatewayContext } from '../context.ts';
import { deletePackageParts, destroyPackageKey } from './package-store.ts';

/** When a package's download window closes (ms since the epoch). */
export function downloadDeadline(ctx: GatewayContext, transfer: { created_at: string }): number {
  return Date.parse(transfer.created_at) + ctx.config.packageWindowHours * 3_600_000;
}

const DAY_MS = 86_400_000;

/**
 * Deletes the packages no one may download any more — download window over, contract revoked
 * or expired — then destroys in the KMS the package keys of the days whose windows are all over
 * (so copies of those packages' parts left in free pages, the WAL or backups cannot be opened
 * either). Idempotent; any gateway may run it. Returns how many packages were deleted.
 */
export async function sweepPackages(ctx: GatewayContext, now: Date = ctx.now()): Promise<number> {
  const live = await ctx.db
    .selectFrom('transfers')
    .innerJoin('contracts', 'contracts.id', 'transfers.contract_id')
    .select(['transfers.id', 'transfers.created_at', 'contracts.status', 'contracts.valid_until'])
    .where('transfers.package_deleted_at', 'is', null)
    .execute();
  let deleted = 0;
  for (const row of live) {
    const over = row.status === 'revoked' || now.getTime() >= Date.parse(row.valid_until) || now.getTime() >= downloadDeadline(ctx, row);
    if (!over) continue;
    await deletePackageParts(ctx, row.id);
    await ctx.db.updateTable('transfers').set({ package_deleted_at: now.toISOString() }).where('id', '=', row.id).execute();
    deleted++;
  }
  if (deleted > 0) ctx.logger.info({ deleted }, 'packages past their download window deleted');
  // A day's packages were made by its end; their windows are over a window after it.
  const epochs = await ctx.db.selectFrom('package_key_epochs').select(['day', 'key_id']).where('destroyed_at', 'is', null).execute();
  for (const epoch of epochs) {
    if (now.getTime() < downloadDeadline(ctx, { created_at: `${epoch.day}T00:00:00.000Z` }) + DAY_MS) continue;
    await destroyPackageKey(ctx, epoch.key_id);
    await ctx.db.updateTable('package_key_epochs').set({ destroyed_at: now.toISOString() }).where('day', '=', epoch.day).execute();
  }
  return deleted;
}
