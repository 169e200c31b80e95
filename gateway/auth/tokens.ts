import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { randomToken } from '../../crypto/index.ts';
import type { GatewaySchema, TokensTable } from '../db/schema.ts';
import { newId } from '../ids.ts';

/** Party and admin bearer tokens; only their SHA-256 is ever stored. */
export function newToken(): string {
  return randomToken('slc_');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface TokenGrant {
  role: TokensTable['role'];
  partyId: string | null;
  expiresAt?: string | null;
  bootstrap?: boolean;
}

/** Stores a new token (by hash) and returns it: the only time its value exists outside its holder. */
export async function issueToken(db: Kysely<GatewaySchema> | Transaction<GatewaySchema>, grant: TokenGrant, now: Date, token = newToken()): Promise<{ id: string; token: string; row: TokensTable }> {
  const row: TokensTable = {
    hash: tokenHash(token),
    id: newId('tok'),
    party_id: grant.partyId,
    role: grant.role,
    created_at: now.toISOString(),
    expires_at: grant.expiresAt ?? null,
    revoked_at: null,
    bootstrap: grant.bootstrap ? 1 : 0,
  };
  await db.insertInto('tokens').values(row).execute();
  return { id: row.id, token, row };
}

/** Whether a stored token may authenticate at `now`: not revoked and not expired. */
export function tokenUsable(row: Pick<TokensTable, 'revoked_at' | 'expires_at'>, now: Date): boolean {
  return row.revoked_at === null && (row.expires_at === null || Date.parse(row.expires_at) > now.getTime());
}
