import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorResponseSchema, fail } from '../../common/index.ts';
import { HE_RESULT_SCHEMA, HE_SCHEMES, OPERATIONS, type SuppressedCell } from '../../compute/he/index.ts';
import { HeKeysets, type Caller, type HeServiceDeps, type KeysetCreate } from './service.ts';

/** What the KMS lends this plugin: the service's needs, and who called. Its `KmsPluginContext` satisfies it. */
export interface HeKeysetDeps extends HeServiceDeps {
  callerOf(request: FastifyRequest): Caller;
}

/** Route config the KMS's access hook reads: these routes serve the worker identity too. */
const workerAccess: Record<string, unknown> = { access: 'worker' };

const errors = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;
const base64 = { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' } as const;
const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^hks_[A-Za-z0-9_-]{1,64}$' } },
} as const;
const publicView = {
  type: 'object',
  required: ['keysetId', 'jobId', 'scheme', 'keyId', 'publicKey'],
  properties: { keysetId: { type: 'string' }, jobId: { type: 'string' }, scheme: { type: 'string' }, keyId: { type: 'string' }, publicKey: { type: 'string' } },
} as const;

const liveList = {
  type: 'object',
  required: ['keysets', 'next'],
  properties: {
    keysets: {
      type: 'array',
      items: { type: 'object', required: ['keysetId', 'jobId', 'createdAt'], properties: { keysetId: { type: 'string' }, jobId: { type: 'string' }, createdAt: { type: 'string' } } },
    },
    next: { type: ['string', 'null'] },
  },
} as const;

/** JSON schema of `DpRelease`: the terms are the gateway's to compute from the signed contracts. */
const dpSchema = {
  type: 'object',
  required: ['epsilonMicros', 'bound', 'rowsPerPerson', 'weight'],
  additionalProperties: false,
  properties: {
    epsilonMicros: { type: 'integer', minimum: 1, maximum: 100_000_000 },
    bound: { type: 'number', minimum: 0, maximum: 1e15 },
    rowsPerPerson: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    weight: { type: 'number', minimum: 0, maximum: 1e15 },
  },
} as const;

const suppressSchema = {
  type: 'array',
  maxItems: 256,
  items: {
    type: 'object',
    required: ['cell', 'reason'],
    additionalProperties: false,
    properties: { cell: { type: 'integer', minimum: 0, maximum: 255 }, reason: { type: 'string', enum: ['primary', 'secondary'] } },
  },
} as const;

/** Only the gateway's service identity manages key sets; the worker may read public keys and report results. */
function service(deps: HeKeysetDeps, request: FastifyRequest): Caller {
  const caller = deps.callerOf(request);
  if (caller !== 'service') throw fail.forbidden('only the gateway may manage homomorphic key sets');
  return caller;
}

/**
 * The HTTP side of the homomorphic key sets (service.ts holds what they do): each route's
 * schemas, who may call it, and the call into the service.
 */
export async function registerHeKeysets(app: FastifyInstance, deps: HeKeysetDeps): Promise<void> {
  const keysets = await HeKeysets.open(deps);

  app.post<{ Body: KeysetCreate }>(
    '/v1/he/keysets',
    {
      schema: {
        body: {
          type: 'object',
          required: ['jobId', 'scheme'],
          additionalProperties: false,
          properties: {
            jobId: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
            scheme: { type: 'string', enum: HE_SCHEMES },
            operation: { type: 'string', enum: OPERATIONS },
            minGroupSize: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            dp: dpSchema,
          },
        },
        response: { 200: publicView, 201: publicView, ...errors },
      },
    },
    async (request, reply) => {
      const { created, keyset } = await keysets.create(service(deps, request), request.body);
      return reply.status(created ? 201 : 200).send(keyset);
    },
  );

  app.get<{ Querystring: { after?: string; limit?: string } }>(
    '/v1/he/keysets',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { after: { type: 'string', pattern: '^hks_[A-Za-z0-9_-]{1,64}$' }, limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } },
        },
        response: { 200: liveList, ...errors },
      },
    },
    async (request) => {
      service(deps, request);
      return keysets.live(request.query.after, Math.min(Number(request.query.limit ?? 500), 1000));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/he/keysets/:id/public',
    { config: workerAccess, schema: { params: idParams, response: { 200: publicView, ...errors } } },
    async (request) => keysets.publicView(request.params.id),
  );

  app.post<{ Params: { id: string }; Body: { digest: string } }>(
    '/v1/he/keysets/:id/result',
    {
      config: workerAccess,
      schema: {
        params: idParams,
        body: { type: 'object', required: ['digest'], additionalProperties: false, properties: { digest: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
        response: { 200: { type: 'object', required: ['recorded'], properties: { recorded: { type: 'boolean' } } }, ...errors },
      },
    },
    async (request) => {
      await keysets.recordResult(deps.callerOf(request), request.params.id, request.body.digest);
      return { recorded: true };
    },
  );

  app.post<{ Params: { id: string }; Body: { approvals: unknown[] } }>(
    '/v1/he/keysets/:id/release',
    {
      schema: {
        params: idParams,
        body: { type: 'object', required: ['approvals'], additionalProperties: false, properties: { approvals: { type: 'array', minItems: 1, maxItems: 1000 } } },
        response: { 200: { type: 'object', required: ['keysetId', 'released'], properties: { keysetId: { type: 'string' }, released: { type: 'boolean' } } }, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      await keysets.release(service(deps, request), id, request.body.approvals);
      return { keysetId: id, released: true };
    },
  );

  app.post<{ Params: { id: string }; Body: { ciphertext: string; suppress?: SuppressedCell[] } }>(
    '/v1/he/keysets/:id/decrypt',
    {
      // A result is up to three ciphertexts of ~0.4 MB (BFV variance), above the KMS's default cap.
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        params: idParams,
        body: { type: 'object', required: ['ciphertext'], additionalProperties: false, properties: { ciphertext: base64, suppress: suppressSchema } },
        response: { 200: HE_RESULT_SCHEMA, ...errors },
      },
    },
    async (request) => keysets.decrypt(service(deps, request), request.params.id, Buffer.from(request.body.ciphertext, 'base64'), request.body.suppress),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/he/keysets/:id/destroy',
    {
      schema: {
        params: idParams,
        response: { 200: { type: 'object', required: ['keysetId', 'destroyed'], properties: { keysetId: { type: 'string' }, destroyed: { type: 'boolean' } } }, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      await keysets.destroy(service(deps, request), id);
      return { keysetId: id, destroyed: true };
    },
  );
}
