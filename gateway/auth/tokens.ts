import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CamelCased } from '../../common/index.ts';
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

/** A stored token, as the token code reads it (through `camelCased`). */
export type TokenRow = CamelCased<GatewaySchema>['tokens'];

export interface TokenGrant {
  role: TokensTable['role'];
  partyId: string | null;
  expiresAt?: string | null;
  bootstrap?: boolean;
}

/** Stores a new token (by hash) and returns it: the only time its value exists outside its holder. */
export async function issueToken(db: Kysely<CamelCased<GatewaySchema>>, grant: TokenGrant, now: Date, token = newToken()): Promise<{ id: string; token: string; row: TokenRow }> {
  const row: TokenRow = {
    hash: tokenHash(token),
    id: newId('tok'),
    partyId: grant.partyId,
    role: grant.role,
    createdAt: now.toISOString(),
    expiresAt: grant.expiresAt ?? null,
    revokedAt: null,
    bootstrap: grant.bootstrap ? 1 : 0,
  };
  await db.insertInto('tokens').values(row).execute();
  return { id: row.id, token, row };
}

/** Whether a stored token may authenticate at `now`: not revoked and not expired. */
export function tokenUsable(row: Pick<TokenRow, 'revokedAt' | 'expiresAt'>, now: Date): boolean {
  return row.revokedAt === null && (row.expiresAt === null || Date.parse(row.expiresAt) > now.getTime());
}
