import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { idParams, isoDate, responses } from '../http/schemas.ts';
import { ID_PATTERN } from '../ids.ts';
import { createToken, listTokens, revokeToken, rotateToken } from './service.ts';

const tokenView = {
  type: 'object',
  required: ['id', 'role', 'partyId', 'status', 'bootstrap', 'createdAt', 'expiresAt', 'revokedAt'],
  properties: {
    id: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'party'] },
    partyId: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
    bootstrap: { type: 'boolean' },
    createdAt: { type: 'string' },
    expiresAt: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'] },
  },
} as const;

const issuedToken = {
  ...tokenView,
  required: [...tokenView.required, 'token'],
  properties: { ...tokenView.properties, token: { type: 'string', description: 'the bearer token; shown once, only its SHA-256 is stored' }, replaces: { type: 'string' } },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { partyId: { type: 'string', pattern: ID_PATTERN }, all: { type: 'string', enum: ['true', 'false'] } },
} as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  properties: { partyId: { type: 'string', pattern: ID_PATTERN }, expiresAt: isoDate },
} as const;

const rotateBody = {
  type: 'object',
  additionalProperties: false,
  properties: { expiresAt: isoDate, graceSeconds: { type: 'integer', minimum: 0, maximum: 86_400 } },
} as const;

/**
 * Admin token management: list (ids and states, never values), create, rotate, revoke. A
 * created or rotated token's value is in that one response only.
 */
export async function tokenRoutes(app: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  app.get<{ Querystring: { partyId?: string; all?: 'true' | 'false' } }>(
    '/v1/tokens',
    { schema: { tags: ['tokens'], querystring: listQuery, response: responses({ 200: { type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: tokenView } } } }) } },
    async (request) => {
      requireAdmin(request.principal);
      const { partyId, all } = request.query;
      return { tokens: await listTokens(ctx, { ...(partyId ? { partyId } : {}), all: all === 'true' }) };
    },
  );

  app.post<{ Body: { partyId?: string; expiresAt?: string } | undefined }>(
    '/v1/tokens',
    { schema: { tags: ['tokens'], body: createBody, response: responses({ 201: issuedToken }) } },
    async (request, reply) => {
      requireAdmin(request.principal);
      const created = await createToken(ctx, request.body ?? {});
      request.log.info({ tokenId: created.id, role: created.role }, 'token created');
      return reply.status(201).send(created);
    },
  );

  app.post<{ Params: { id: string }; Body: { expiresAt?: string; graceSeconds?: number } | undefined }>(
    '/v1/tokens/:id/rotate',
    { schema: { tags: ['tokens'], params: idParams, body: rotateBody, response: responses({ 201: issuedToken }) } },
    async (request, reply) => {
      requireAdmin(request.principal);
      const rotated = await rotateToken(ctx, request.params.id, request.body ?? {});
      request.log.info({ tokenId: rotated.id, replaces: rotated.replaces }, 'token rotated');
      return reply.status(201).send(rotated);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/tokens/:id/revoke',
    { schema: { tags: ['tokens'], params: idParams, response: responses({ 200: tokenView }) } },
    async (request) => {
      requireAdmin(request.principal);
      const revoked = await revokeToken(ctx, request.params.id);
      request.log.info({ tokenId: revoked.id }, 'token revoked');
      return revoked;
    },
  );
}
