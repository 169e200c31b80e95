import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { idParams, responses } from '../http/schemas.ts';
import { createPartyBody, createPartyResponse, partyResponse, type CreatePartyInput } from './schemas.ts';
import { createParty, getParty, publicView } from './service.ts';

export async function partyRoutes(app: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  app.post<{ Body: CreatePartyInput }>(
    '/v1/parties',
    { schema: { tags: ['parties'], body: createPartyBody, response: responses({ 201: createPartyResponse }) } },
    async (request, reply) => {
      requireAdmin(request.principal);
      const created = await createParty(ctx, request.body);
      request.log.info({ partyId: created.id, kind: request.body.kind }, 'party registered');
      return reply.status(201).send(created);
    },
  );

  // Public profiles (name, kind, jurisdiction, public key) let owners find recipients and
  // recipients check the owner's signing key; they hold nothing confidential.
  app.get<{ Params: { id: string } }>(
    '/v1/parties/:id',
    { schema: { tags: ['parties'], params: idParams, response: responses({ 200: partyResponse }) } },
    async (request) => publicView(await getParty(ctx, request.params.id)),
  );
}
