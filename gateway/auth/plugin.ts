import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { camelCased, clientAddressKey, isSluiceError, SluiceError, type WindowCounter } from '../../common/index.ts';
import type { GatewaySchema } from '../db/schema.ts';
import type { Principal } from './principal.ts';
import { tokenHash, tokenUsable } from './tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/=]{16,256})$/;

export interface AuthOptions {
  now: () => Date;
  /** Failed authentications per client address (shared by gateways when on Redis). */
  failures: WindowCounter;
  /** Failures per minute per address past which the address is refused with 429. */
  failureLimit: number;
}

const FAILURE_WINDOW_MS = 60_000;

/**
 * Authenticates every `/v1/` request at `onRequest`, before any body is read (so nobody
 * unauthenticated makes us parse one) and before the request limiter, which then counts per
 * token. A credential that fails counts against the client's address; an address past the
 * limit is refused with 429 whatever it sends, so guessing tokens meets a wall — keyed on the
 * address, not on the guessed value, and in a bounded (or Redis) store.
 */
export function registerAuth(app: FastifyInstance, db: Kysely<GatewaySchema>, options: AuthOptions): void {
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    const address = clientAddressKey(request.ip);
    const failed = await options.failures.peek(`auth:${address}`);
    if (failed.count >= options.failureLimit) {
      void reply.header('retry-after', String(Math.max(1, Math.ceil(failed.resetMs / 1000))));
      throw new SluiceError('RATE_LIMITED', 'too many failed authentications from this address; retry later');
    }
    try {
      request.principal = await authenticate(db, request.headers.authorization, options.now());
    } catch (error) {
      // Only a presented credential that fails is a guess; a request without one is simply
      // refused, and a database error is not the caller's doing.
      const guessed = request.headers.authorization !== undefined && isSluiceError(error) && error.code === 'UNAUTHENTICATED';
      if (guessed) await options.failures.hit(`auth:${address}`, FAILURE_WINDOW_MS);
      throw error;
    }
  });
}

/** The request limiter's key: the authenticated token (its id), else the client address. */
export function requestLimitKey(request: FastifyRequest): string {
  const principal = request.principal as Principal | null;
  return principal ? `token:${principal.tokenId}` : `address:${clientAddressKey(request.ip)}`;
}

async function authenticate(db: Kysely<GatewaySchema>, header: string | undefined, now: Date): Promise<Principal> {
  const match = header ? BEARER.exec(header) : null;
  if (!match?.[1]) throw new SluiceError('UNAUTHENTICATED', 'missing or malformed bearer token');
  const token = await camelCased(db)
    .selectFrom('tokens')
    .select(['id', 'role', 'partyId', 'revokedAt', 'expiresAt'])
    .where('hash', '=', tokenHash(match[1]))
    .executeTakeFirst();
  // One message for unknown, revoked and expired tokens: the answer tells a guesser nothing.
  if (!token || !tokenUsable(token, now)) throw new SluiceError('UNAUTHENTICATED', 'invalid token');
  if (token.role === 'admin') return { role: 'admin', tokenId: token.id };
  const party = token.partyId
    ? await db.selectFrom('parties').selectAll().where('id', '=', token.partyId).executeTakeFirst()
    : undefined;
  if (!party) throw new SluiceError('UNAUTHENTICATED', 'invalid token');
  return { role: 'party', party, tokenId: token.id };
}
