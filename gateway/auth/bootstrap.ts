import type { Kysely } from 'kysely';
import type { GatewaySchema } from '../db/schema.ts';
import { newToken, tokenHash } from './tokens.ts';

/**
 * Ensures an admin token exists. A configured token is registered (by hash) as is; otherwise
 * the first start generates one and returns it so the caller can print it exactly once.
 */
export async function bootstrapAdmin(db: Kysely<GatewaySchema>, configured: string | undefined, now: Date): Promise<string | undefined> {
  if (configured) {
    await db
      .insertInto('tokens')
      .values({ hash: tokenHash(configured), party_id: null, role: 'admin', created_at: now.toISOString() })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
    return undefined;
  }
  const existing = await db.selectFrom('tokens').select('hash').where('role', '=', 'admin').executeTakeFirst();
  if (existing) return undefined;
  const token = newToken();
  await db.insertInto('tokens').values({ hash: tokenHash(token), party_id: null, role: 'admin', created_at: now.toISOString() }).execute();
  return token;
}
