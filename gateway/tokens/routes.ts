import type { FastifyInstance } from 'fastify';
import type { RouteTypes } from '../../common/index.ts';
import { requireAdmin } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { idParams, responses } from '../http/schemas.ts';
import { createBody, issuedToken, listQuery, rotateBody, tokenResponse } from './schemas.ts';
import { createToken, listTokens, revokeToken, rotateToken } from './service.ts';

/**
 * Admin token management: list (ids and states, never values), create, rotate, revoke. A
 * created or rotated token's value is in that one response only.
 */
export async function tokenRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.get(
    '/v1/tokens',
    { schema: { tags: ['tokens'], querystring: listQuery, response: responses({ 200: { type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: tokenResponse } } } }) } },
    async (request) => {
      requireAdmin(request.principal);
      const { partyId, all } = request.query;
      return { tokens: await listTokens(ctx, { ...(partyId ? { partyId } : {}), all: all === 'true' }) };
    },
  );

  app.post(
    '/v1/tokens',
    { schema: { tags: ['tokens'], body: createBody, response: responses({ 201: issuedToken }) } },
    async (request, reply) => {
      requireAdmin(request.principal);
      const created = await createToken(ctx, request.body ?? {});
      request.log.info({ tokenId: created.id, role: created.role }, 'token created');
      return reply.status(201).send(created);
    },
  );

  app.post(
    '/v1/tokens/:id/rotate',
    { schema: { tags: ['tokens'], params: idParams, body: rotateBody, response: responses({ 201: issuedToken }) } },
    async (request, reply) => {
      requireAdmin(request.principal);
      const rotated = await rotateToken(ctx, request.params.id, request.body ?? {});
      request.log.info({ tokenId: rotated.id, replaces: rotated.replaces }, 'token rotated');
      return reply.status(201).send(rotated);
    },
  );

  app.post(
    '/v1/tokens/:id/revoke',
    { schema: { tags: ['tokens'], params: idParams, response: responses({ 200: tokenResponse }) } },
    async (request) => {
      requireAdmin(request.principal);
      const revoked = await revokeToken(ctx, request.params.id);
      request.log.info({ tokenId: revoked.id }, 'token revoked');
      return revoked;
    },
  );
}
