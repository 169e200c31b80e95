import type { FastifyInstance } from 'fastify';
import { SluiceError } from '../../common/index.ts';
import type { OutboxRelay } from '../anchoring/outbox.ts';
import { anchoredRecord } from '../anchoring/records.ts';
import { requireParty } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { freeObject, idParams, responses } from '../http/schemas.ts';
import { ID_PATTERN } from '../ids.ts';
import { assertMayReadReceipt, createTransfer, getPackage, getTransfer, type TransferRequest } from './service.ts';

const createTransferBody = {
  type: 'object',
  required: ['contractId', 'purpose'],
  additionalProperties: false,
  properties: {
    contractId: { type: 'string', pattern: ID_PATTERN },
    purpose: { type: 'string', minLength: 1, maxLength: 200 },
    limit: { type: 'integer', minimum: 1 },
  },
} as const;

const transferResponse = {
  type: 'object',
  required: ['id', 'status', 'records', 'subjects', 'receipt'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string' },
    records: { type: 'integer' },
    subjects: { type: 'integer' },
    receipt: freeObject,
  },
} as const;

export const anchoredResponse = (name: 'receipt' | 'record') =>
  ({
    type: 'object',
    required: [name, 'proof'],
    properties: { [name]: freeObject, proof: freeObject },
  }) as const;

export async function transferRoutes(app: FastifyInstance, opts: { ctx: GatewayContext; relay: OutboxRelay }): Promise<void> {
  const { ctx, relay } = opts;

  app.post<{ Body: TransferRequest }>(
    '/v1/transfers',
    { schema: { tags: ['transfers'], body: createTransferBody, response: responses({ 201: transferResponse }) } },
    async (request, reply) => {
      const recipient = requireParty(request.principal, ['overseas', 'domestic']);
      const result = await createTransfer(ctx, relay, recipient, request.body);
      request.log.info({ transferId: result.id, contractId: request.body.contractId, records: result.records }, 'transfer completed');
      return reply.status(201).send(result);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/transfers/:id/package',
    {
      schema: {
        tags: ['transfers'],
        params: idParams,
        response: responses({ 200: { description: 'the package JSON (sluice.package.v1), encrypted to the recipient key' } }),
      },
    },
    async (request, reply) => {
      const body = await getPackage(ctx, request.principal, request.params.id);
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="${request.params.id}.sluice.json"`)
        .send(Buffer.from(body));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/transfers/:id/receipt',
    { schema: { tags: ['transfers'], params: idParams, response: responses({ 200: anchoredResponse('receipt') }) } },
    async (request) => {
      const transfer = await getTransfer(ctx, request.params.id);
      assertMayReadReceipt(request.principal, transfer);
      const anchored = await anchoredRecord(ctx, relay, transfer.id);
      if (!anchored) throw new SluiceError('CONFLICT', 'receipt is not anchored on the ledger yet; retry shortly');
      return { receipt: anchored.record, proof: anchored.proof };
    },
  );
}
