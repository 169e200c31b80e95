import type { FastifyInstance } from 'fastify';
import { SluiceError, type RouteTypes } from '../../common/index.ts';
import { verifyProof, type EmbeddedLedger, type LedgerRecord, type TrustAnchors } from '../../ledger/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { freeObject, responses } from '../http/schemas.ts';
import { anchoredResponse } from '../transfers/schemas.ts';
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

const anchorDetail = {
  type: 'object',
  required: ['org', 'role', 'alg', 'key', 'fingerprint'],
  properties: {
    org: { type: 'string' },
    role: { type: 'string', enum: ['operator', 'cosigner', 'msp-root'] },
    alg: { type: 'string', enum: ['SM2', 'Ed25519', 'X.509'] },
    key: { type: 'string' },
    fingerprint: { type: 'string' },
    fromBlock: { type: 'integer' },
    untilBlock: { type: 'integer' },
  },
} as const;

const trustResponse = {
  type: 'object',
  required: ['format', 'ledger', 'orgs', 'keys'],
  description: 'Trust anchors: `orgs` is what `sluice verify --trust` takes; `keys` describes each anchor (role, fingerprint, the blocks a rotated key signed).',
  properties: {
    format: { type: 'string', enum: ['sluice.trust.v1'] },
    ledger: { type: 'string', enum: ['embedded', 'fabric'] },
    orgs: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    keys: { type: 'array', items: anchorDetail },
  },
} as const;

const consistencyQuery = {
  type: 'object',
  required: ['fromSize'],
  additionalProperties: false,
  properties: { fromSize: { type: 'string', pattern: '^[0-9]{1,15}$' } },
} as const;

const consistencyResponse = {
  type: 'object',
  required: ['head', 'proof'],
  properties: { head: freeObject, proof: { type: 'array', items: { type: 'string' } } },
} as const;

/** Tree heads and consistency proofs exist for the embedded log; Fabric has its own block chain. */
function embedded(ctx: GatewayContext): EmbeddedLedger {
  if (ctx.ledger.kind !== 'embedded') throw new SluiceError('NOT_FOUND', 'tree heads are served by the embedded ledger only');
  return ctx.ledger as EmbeddedLedger;
}

/** Who may see a ledger record: regulators and admins all; parties those naming them. */
function assertMayReadRecord(principal: Principal, record: LedgerRecord): void {
  if (principal.role === 'admin' || principal.party.kind === 'regulator') return;
  const id = principal.party.id;
  const named = [record.exporterId, record.data.recipientId, record.data.exporterId];
  if (!named.includes(id)) throw new SluiceError('FORBIDDEN', 'this ledger record does not concern the caller');
}

export async function ledgerRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.get(
    '/v1/ledger/records/:id',
    { schema: { tags: ['ledger'], params: recordParams, response: responses({ 200: anchoredResponse('record') }) } },
    async (request) => {
      const anchored = await anchoredRecord(ctx, request.params.id);
      if (!anchored) throw new SluiceError('NOT_FOUND', 'ledger record not found');
      assertMayReadRecord(request.principal, anchored.record);
      return anchored;
    },
  );

  // A monitor (e.g. a regulator) keeps the last head it checked and asks for a consistency proof
  // from it to the latest: a rewritten history cannot produce one. Heads hold no personal data.
  app.get(
    '/v1/ledger/head',
    { schema: { tags: ['ledger'], response: responses({ 200: freeObject }) } },
    async () => {
      const head = await embedded(ctx).treeHead();
      if (!head) throw new SluiceError('NOT_FOUND', 'the ledger is empty');
      return head;
    },
  );

  app.get(
    '/v1/ledger/consistency',
    { schema: { tags: ['ledger'], querystring: consistencyQuery, response: responses({ 200: consistencyResponse }) } },
    async (request) => {
      const ledger = embedded(ctx);
      const head = await ledger.treeHead();
      const fromSize = Number(request.query.fromSize);
      if (!head || fromSize < 1 || fromSize > head.treeSize) throw new SluiceError('VALIDATION_FAILED', 'fromSize must be between 1 and the current tree size');
      return { head, proof: await ledger.consistencyProof(fromSize, head.treeSize) };
    },
  );

  // The anchors regulators pin (`sluice trust pin`) and verify receipts against offline. Public
  // keys and CA certificates only.
  app.get(
    '/v1/ledger/trust',
    { schema: { tags: ['ledger'], response: responses({ 200: trustResponse }) } },
    async () => {
      const trust = ctx.ledger.trustAnchors();
      if (!trust) throw new SluiceError('NOT_FOUND', 'this gateway has no trust anchors configured');
      // The ledgers serve a full trust document (format, ledger, keys); files a verifier reads need only `orgs`.
      return trust as Required<TrustAnchors>;
    },
  );

  // The same offline check `sluice verify` runs, against this gateway's own anchors only: keys
  // carried in the proof vouch for nothing.
  app.post(
    '/v1/ledger/verify',
    { schema: { tags: ['ledger'], body: verifyBody, response: responses({ 200: verifyResponse }) } },
    async (request) => {
      const record = request.body.receipt ?? request.body.record;
      if (record === undefined) throw new SluiceError('VALIDATION_FAILED', 'give a receipt or a record with the proof');
      const trust = ctx.ledger.trustAnchors();
      if (!trust) return { valid: false, reason: 'this gateway has no trust anchors configured' };
      try {
        return verifyProof(record, request.body.proof, trust);
      } catch {
        return { valid: false, reason: 'malformed record or proof' };
      }
    },
  );
}
