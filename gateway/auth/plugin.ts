import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { SluiceError } from '../../common/index.ts';
import type { GatewaySchema } from '../db/schema.ts';
import type { Principal } from './principal.ts';
import { tokenHash, tokenUsable } from './tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/=]{16,256})$/;

/**
 * Authenticates every `/v1/` request; routes then check roles and object ownership. It runs at
 * preParsing: after the rate limiter (so guessing tokens is throttled) and before any body is
 * read (so nobody unauthenticated makes us parse one).
 */
export function registerAuth(app: FastifyInstance, db: Kysely<GatewaySchema>, now: () => Date): void {
  app.decorateRequest('principal', null as never);
  app.addHook('preParsing', async (request: FastifyRequest, _reply, payload) => {
    if (request.url.startsWith('/v1/')) request.principal = await authenticate(db, request.headers.authorization, now());
    return payload;
  });
}

async function authenticate(db: Kysely<GatewaySchema>, header: string | undefined, now: Date): Promise<Principal> {
  const match = header ? BEARER.exec(header) : null;
  if (!match?.[1]) throw new SluiceError('UNAUTHENTICATED', 'missing or malformed bearer token');
  const token = await db
    .selectFrom('tokens')
    .select(['id', 'role', 'party_id', 'revoked_at', 'expires_at'])
    .where('hash', '=', tokenHash(match[1]))
    .executeTakeFirst();
  // One message for unknown, revoked and expired tokens: the answer tells a guesser nothing.
  if (!token || !tokenUsable(token, now)) throw new SluiceError('UNAUTHENTICATED', 'invalid token');
  if (token.role === 'admin') return { role: 'admin', tokenId: token.id };
  const party = token.party_id
    ? await db.selectFrom('parties').selectAll().where('id', '=', token.party_id).executeTakeFirst()
    : undefined;
  if (!party) throw new SluiceError('UNAUTHENTICATED', 'invalid token');
  return { role: 'party', party, tokenId: token.id };
}
