import type { FastifyInstance } from 'fastify';
import type { RouteTypes } from '../../common/index.ts';
import { requireParty } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { idParams, responses } from '../http/schemas.ts';
import {
  approveBody,
  approveResponse,
  contractCreatedResponse,
  contractResponse,
  createContractBody,
  revealBody,
  revealResponse,
  revokeBody,
  revokeResponse,
} from './schemas.ts';
import { revealValues } from './reveal.ts';
import { approveContract, assertMayReadContract, assertOwner, contractView, createContract, getContract, revokeContract } from './service.ts';

export async function contractRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.post(
    '/v1/contracts',
    { schema: { tags: ['contracts'], body: createContractBody, response: responses({ 201: contractCreatedResponse }) } },
    async (request, reply) => {
      const owner = requireParty(request.principal, ['domestic']);
      const created = await createContract(ctx, owner, request.body);
      request.log.info({ contractId: created.id }, 'contract proposed');
      return reply.status(201).send(created);
    },
  );

  app.post(
    '/v1/contracts/:id/approve',
    { schema: { tags: ['contracts'], params: idParams, body: approveBody, response: responses({ 200: approveResponse }) } },
    async (request) => {
      const contract = await getContract(ctx, request.params.id);
      const owner = assertOwner(request.principal, contract);
      const ledger = await approveContract(ctx, owner, contract, request.body.signature);
      request.log.info({ contractId: contract.id, anchored: ledger.anchored }, 'contract approved');
      return { status: 'approved', ledger };
    },
  );

  app.post(
    '/v1/contracts/:id/revoke',
    { schema: { tags: ['contracts'], params: idParams, body: revokeBody, response: responses({ 200: revokeResponse }) } },
    async (request) => {
      const contract = await getContract(ctx, request.params.id);
      const owner = assertOwner(request.principal, contract);
      const result = await revokeContract(ctx, owner, contract, request.body?.shred === true);
      request.log.info({ contractId: contract.id, shredded: result.shredded }, 'contract revoked');
      return result;
    },
  );

  // The owner restores what the contract's keyed transforms released (docs/FREE-TEXT.md, "Restoring").
  app.post(
    '/v1/contracts/:id/reveal',
    { schema: { tags: ['contracts'], params: idParams, body: revealBody, response: responses({ 200: revealResponse }) } },
    async (request) => {
      const contract = await getContract(ctx, request.params.id);
      const owner = assertOwner(request.principal, contract);
      const result = await revealValues(ctx, owner, contract, request.body);
      request.log.info({ contractId: contract.id, transform: request.body.transform ?? 'redact', restored: result.restored, unrestored: result.unrestored }, 'values revealed');
      return result;
    },
  );

  app.get(
    '/v1/contracts/:id',
    { schema: { tags: ['contracts'], params: idParams, response: responses({ 200: contractResponse }) } },
    async (request) => {
      const contract = await getContract(ctx, request.params.id);
      assertMayReadContract(request.principal, contract);
      return contractView(contract);
    },
  );
}
