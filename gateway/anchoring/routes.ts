import type { FastifyInstance } from 'fastify';
import { SluiceError } from '../../common/index.ts';
import { verifyProof, type LedgerRecord, type Proof } from '../../ledger/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { freeObject, responses } from '../http/schemas.ts';
import { anchoredResponse } from '../transfers/routes.ts';
import type { OutboxRelay } from './outbox.ts';
import { anchoredRecord } from './records.ts';

const recordParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' } },
} as const;

const verifyBody = {
  type: 'object',
  required: ['proof'],
  additionalProperties: false,
  properties: { receipt: freeObject, record: freeObject, proof: freeObject },
} as const;

const verifyResponse = {
  type: 'object',
  required: ['valid'],
  properties: { valid: { type: 'boolean' }, reason: { type: 'string' } },
} as const;

/** Who may see a ledger record: regulators and admins all; parties those naming them. */
function assertMayReadRecord(principal: Principal, record: LedgerRecord): void {
  if (principal.role === 'admin' || principal.party.kind === 'regulator') return;
  const id = principal.party.id;
  const named = [record.exporterId, record.data.recipientId, record.data.exporterId];
  if (!named.includes(id)) throw new SluiceError('FORBIDDEN', 'this ledger record does not concern the caller');
}

export async function ledgerRoutes(app: FastifyInstance, opts: { ctx: GatewayContext; relay: OutboxRelay }): Promise<void> {
  const { ctx, relay } = opts;

  app.get<{ Params: { id: string } }>(
    '/v1/ledger/records/:id',
    { schema: { tags: ['ledger'], params: recordParams, response: responses({ 200: anchoredResponse('record') }) } },
    async (request) => {
      const anchored = await anchoredRecord(ctx, relay, request.params.id);
      if (!anchored) throw new SluiceError('NOT_FOUND', 'ledger record not found');
      assertMayReadRecord(request.principal, anchored.record);
      return anchored;
    },
  );

  // Verification needs no trust in this server: it is the same offline check `sluice verify` runs.
  app.post<{ Body: { receipt?: unknown; record?: unknown; proof: unknown } }>(
    '/v1/ledger/verify',
    { schema: { tags: ['ledger'], body: verifyBody, response: responses({ 200: verifyResponse }) } },
    async (request) => {
      const record = request.body.receipt ?? request.body.record;
      if (record === undefined) throw new SluiceError('VALIDATION_FAILED', 'give a receipt or a record with the proof');
      try {
        return verifyProof(record as LedgerRecord, request.body.proof as Proof);
      } catch {
        return { valid: false, reason: 'malformed record or proof' };
      }
    },
  );
}
