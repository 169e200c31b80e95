import type { FastifyInstance } from 'fastify';
import { SluiceError, type RouteTypes } from '../../common/index.ts';
import { requireAdmin } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { idParams, responses } from '../http/schemas.ts';
import { createPartyBody, createPartyResponse, partyResponse } from './schemas.ts';
import { createParty, getParty, publicView } from './service.ts';

export async function partyRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.post(
    '/v1/parties',
    { schema: { tags: ['parties'], body: createPartyBody, response: responses({ 201: createPartyResponse }) } },
    async (request, reply) => {
      requireAdmin(request.principal);
      const created = await createParty(ctx, request.body);
      request.log.info({ partyId: created.id, kind: request.body.kind }, 'party registered');
      return reply.status(201).send(created);
    },
  );

  // A party record says who a company deals with, whether it operates critical information
  // infrastructure (`ciio`) and its FTZ: the admin, the party itself and regulators read it,
  // nobody else — not even a counterparty (an unknown id and a forbidden one answer alike).
  app.get(
    '/v1/parties/:id',
    { schema: { tags: ['parties'], params: idParams, response: responses({ 200: partyResponse }) } },
    async (request) => {
      const { principal } = request;
      const mayRead = principal.role === 'admin' || principal.party.kind === 'regulator' || principal.party.id === request.params.id;
      if (!mayRead) throw new SluiceError('FORBIDDEN', 'party records are readable by the admin, the party itself and regulators');
      return publicView(await getParty(ctx, request.params.id));
    },
  );
}
