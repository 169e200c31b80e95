import type { Kysely } from 'kysely';
import { camelCased, type Logger } from '../../common/index.ts';
import type { GatewaySchema } from '../db/schema.ts';
import { issueToken, tokenHash, tokenUsable } from './tokens.ts';

/**
 * Ensures the bootstrap admin token. A configured token (`SLUICE_ADMIN_TOKEN`) replaces the
 * previous bootstrap token: the old one is revoked, so changing the variable and restarting
 * cuts off whoever held the old value. Admin tokens issued through `POST /v1/tokens` are not
 * touched. Without a configured token, one is generated when no admin token is usable (the
 * first start, or after every admin token was revoked or expired) and returned so the caller
 * shows it exactly once.
 */
export async function bootstrapAdmin(db: Kysely<GatewaySchema>, configured: string | undefined, now: Date, logger?: Logger): Promise<string | undefined> {
  const tokens = camelCased(db);
  if (configured) {
    const hash = tokenHash(configured);
    await tokens.transaction().execute(async (trx) => {
      await trx
        .updateTable('tokens')
        .set({ revokedAt: now.toISOString() })
        .where('bootstrap', '=', 1)
        .where('hash', '!=', hash)
        .where('revokedAt', 'is', null)
        .execute();
      const existing = await trx.selectFrom('tokens').select(['role', 'revokedAt', 'expiresAt']).where('hash', '=', hash).executeTakeFirst();
      if (!existing) await issueToken(trx, { role: 'admin', partyId: null, bootstrap: true }, now, configured);
      else if (existing.role !== 'admin' || !tokenUsable(existing, now)) {
        // A revoked token stays revoked even when configured again: that is what revoking it meant.
        logger?.warn('SLUICE_ADMIN_TOKEN names a token that is revoked, expired or not an admin token; set a new value');
      }
    });
    return undefined;
  }
  const admins = await tokens.selectFrom('tokens').select(['revokedAt', 'expiresAt']).where('role', '=', 'admin').execute();
  if (admins.some((row) => tokenUsable(row, now))) return undefined;
  return (await issueToken(tokens, { role: 'admin', partyId: null, bootstrap: true }, now)).token;
}
