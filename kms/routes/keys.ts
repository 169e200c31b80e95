import type { FastifyInstance } from 'fastify';
import type { RouteTypes } from '../../common/index.ts';
import { callerOf } from '../access.ts';
import type { KeyService } from '../keys.ts';
import { KEY_ALGS } from '../types.ts';
import { base64, ciphertext, context, contextOf, decimal, errors, keyIdParams, keyMetadata, pageLimit, policy } from './schemas.ts';

const sealedResult = {
  type: 'object',
  required: ['ciphertext', 'version'],
  properties: { ciphertext: { type: 'string' }, version: { type: 'integer' } },
} as const;

/** Base64 for the wire; the decoded copy is zeroed once encoded. */
function toBase64(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
  bytes.fill(0);
  return text;
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export async function keyRoutes(fastify: FastifyInstance, keys: KeyService): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.post(
    '/v1/keys',
    {
      schema: {
        body: {
          type: 'object',
          required: ['alg'],
          additionalProperties: false,
          properties: {
            alg: { type: 'string', enum: KEY_ALGS },
            purpose: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' },
            policy,
          },
        },
        response: {
          201: { type: 'object', required: ['keyId', 'version'], properties: { keyId: { type: 'string' }, version: { type: 'integer' } } },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const created = await keys.create(callerOf(request), request.body);
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/v1/keys',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: keyIdParams.properties.id,
            limit: decimal,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['keys', 'next'],
            properties: { keys: { type: 'array', items: keyMetadata }, next: { type: ['string', 'null'] } },
          },
          ...errors,
        },
      },
    },
    async (request) => keys.list(request.query.after, pageLimit(request.query.limit, 1000)),
  );

  app.get(
    '/v1/keys/:id',
    { schema: { params: keyIdParams, response: { 200: keyMetadata, ...errors } } },
    async (request) => keys.get(request.params.id),
  );

  app.post(
    '/v1/keys/:id/datakey',
    {
      // Every field is optional, so a bare POST (no body at all) is a valid request.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        params: keyIdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { context, bytes: { type: 'integer', minimum: 16, maximum: 64 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['plaintext', 'ciphertext', 'version'],
            properties: { plaintext: { type: 'string' }, ciphertext: { type: 'string' }, version: { type: 'integer' } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const dataKey = await keys.dataKey(callerOf(request), request.params.id, contextOf(request.body), request.body.bytes);
      return { plaintext: toBase64(dataKey.plaintext), ciphertext: dataKey.ciphertext, version: dataKey.version };
    },
  );

  app.post(
    '/v1/keys/:id/encrypt',
    {
      schema: {
        params: keyIdParams,
        body: { type: 'object', required: ['plaintext'], additionalProperties: false, properties: { plaintext: base64, context } },
        response: { 200: sealedResult, ...errors },
      },
    },
    async (request) => {
      const plaintext = fromBase64(request.body.plaintext);
      try {
        return await keys.encrypt(callerOf(request), request.params.id, plaintext, contextOf(request.body));
      } finally {
        plaintext.fill(0);
      }
    },
  );

  app.post(
    '/v1/keys/:id/decrypt',
    {
      schema: {
        params: keyIdParams,
        body: { type: 'object', required: ['ciphertext'], additionalProperties: false, properties: { ciphertext, context } },
        response: { 200: { type: 'object', required: ['plaintext'], properties: { plaintext: { type: 'string' } } }, ...errors },
      },
    },
    async (request) => {
      const plaintext = await keys.decrypt(callerOf(request), request.params.id, request.body.ciphertext, contextOf(request.body));
      return { plaintext: toBase64(plaintext) };
    },
  );

  app.post(
    '/v1/keys/:id/rewrap',
    {
      schema: {
        params: keyIdParams,
        body: { type: 'object', required: ['ciphertext'], additionalProperties: false, properties: { ciphertext, context } },
        response: { 200: sealedResult, ...errors },
      },
    },
    async (request) => keys.rewrap(callerOf(request), request.params.id, request.body.ciphertext, contextOf(request.body)),
  );

  app.post(
    '/v1/keys/:id/rotate',
    {
      schema: {
        params: keyIdParams,
        response: { 200: { type: 'object', required: ['version'], properties: { version: { type: 'integer' } } }, ...errors },
      },
    },
    async (request) => ({ version: await keys.rotate(callerOf(request), request.params.id) }),
  );

  app.post(
    '/v1/keys/:id/destroy',
    {
      schema: {
        params: keyIdParams,
        response: { 200: { type: 'object', required: ['destroyed'], properties: { destroyed: { type: 'boolean' } } }, ...errors },
      },
    },
    async (request) => {
      await keys.destroy(callerOf(request), request.params.id);
      return { destroyed: true };
    },
  );

  for (const [action, state] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    app.post(
      `/v1/keys/:id/${action}`,
      { schema: { params: keyIdParams, response: { 200: keyMetadata, ...errors } } },
      async (request) => keys.setState(callerOf(request), request.params.id, state),
    );
  }

  app.post(
    '/v1/keys/:id/config',
    {
      schema: {
        params: keyIdParams,
        body: {
          type: 'object',
          required: ['minDecryptVersion'],
          additionalProperties: false,
          properties: { minDecryptVersion: { type: 'integer', minimum: 1, maximum: 999_999_999 } },
        },
        response: { 200: keyMetadata, ...errors },
      },
    },
    async (request) => keys.configure(callerOf(request), request.params.id, request.body.minDecryptVersion),
  );
}
