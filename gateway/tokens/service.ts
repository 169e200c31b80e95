import { camelCased, SluiceError } from '../../common/index.ts';
import { issueToken, tokenUsable, type TokenRow } from '../auth/tokens.ts';
import type { GatewayContext } from '../context.ts';
import { getParty } from '../parties/service.ts';
import type { CreateTokenInput, RotateTokenInput, TokenView } from './schemas.ts';

/** A token as listings show it: everything but its value, which is never stored, and its hash. */
export function tokenView({ hash: _hash, bootstrap, ...token }: TokenRow, now: Date): TokenView {
  const status = token.revokedAt !== null ? 'revoked' : tokenUsable(token, now) ? 'active' : 'expired';
  return { ...token, status, bootstrap: bootstrap === 1 };
}

export async function listTokens(ctx: GatewayContext, filter: { partyId?: string; all?: boolean }): Promise<TokenView[]> {
  const now = ctx.now();
  let query = camelCased(ctx.db).selectFrom('tokens').selectAll().orderBy('createdAt').orderBy('id');
  if (filter.partyId !== undefined) query = query.where('partyId', '=', filter.partyId);
  const views = (await query.execute()).map((row) => tokenView(row, now));
  return filter.all ? views : views.filter((v) => v.status === 'active');
}

/** A new admin token (no `partyId`) or one more token of a party. */
export async function createToken(ctx: GatewayContext, input: CreateTokenInput): Promise<TokenView & { token: string }> {
  const now = ctx.now();
  const expiresAt = futureInstant(input.expiresAt, now);
  if (input.partyId !== undefined) await getParty(ctx, input.partyId);
  const issued = await issueToken(camelCased(ctx.db), { role: input.partyId === undefined ? 'admin' : 'party', partyId: input.partyId ?? null, expiresAt }, now);
  return { ...tokenView(issued.row, now), token: issued.token };
}

/**
 * A fresh token for the same holder; the old one stops working at once, or after
 * `graceSeconds` so a deployment can switch over without a failed request.
 */
export async function rotateToken(ctx: GatewayContext, id: string, input: RotateTokenInput): Promise<TokenView & { token: string; replaces: string }> {
  const now = ctx.now();
  const expiresAt = futureInstant(input.expiresAt, now);
  return camelCased(ctx.db).transaction().execute(async (trx) => {
    const old = await trx.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!old) throw new SluiceError('NOT_FOUND', 'token not found');
    if (!tokenUsable(old, now)) throw new SluiceError('CONFLICT', 'the token is revoked or expired; create a new one');
    const grace = input.graceSeconds ?? 0;
    const until = new Date(now.getTime() + grace * 1000).toISOString();
    const retired = grace === 0 ? { revokedAt: now.toISOString() } : { expiresAt: old.expiresAt !== null && old.expiresAt < until ? old.expiresAt : until };
    await trx.updateTable('tokens').set(retired).where('id', '=', id).execute();
    // A rotated bootstrap token is an ordinary one: restarting must not revoke what replaced it.
    const issued = await issueToken(trx, { role: old.role, partyId: old.partyId, expiresAt }, now);
    return { ...tokenView(issued.row, now), token: issued.token, replaces: id };
  });
}

export async function revokeToken(ctx: GatewayContext, id: string): Promise<TokenView> {
  const now = ctx.now();
  const tokens = camelCased(ctx.db);
  await tokens.updateTable('tokens').set({ revokedAt: now.toISOString() }).where('id', '=', id).where('revokedAt', 'is', null).execute();
  const row = await tokens.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new SluiceError('NOT_FOUND', 'token not found');
  return tokenView(row, now);
}

function futureInstant(value: string | undefined, now: Date): string | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  if (!Number.isFinite(time) || time <= now.getTime()) throw new SluiceError('VALIDATION_FAILED', 'expiresAt must be a future instant', { field: 'expiresAt' });
  return new Date(time).toISOString();
}
