import type { FastifyInstance } from 'fastify';
import type { RouteTypes } from '../../common/index.ts';
import type { Kysely } from 'kysely';
import { callerOf, type AccessConfig } from '../access.ts';
import { AUDIT_PAGE_LIMIT, listAudit } from '../audit.ts';
import type { KmsSchema } from '../schema.ts';
import { MAX_SHARES, type SealManager } from '../seal.ts';
import { auditEvent, base64, decimal, errors, pageLimit, sealStatus } from './schemas.ts';

const open: AccessConfig = { access: 'open' };

/** Seal lifecycle and the audit log: operator surface, service token only (status is open). */
export async function sysRoutes(fastify: FastifyInstance, seal: SealManager, db: Kysely<KmsSchema>): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.get('/v1/sys/status', { config: open, schema: { response: { 200: sealStatus, ...errors } } }, async () => seal.status());

  app.post(
    '/v1/sys/init',
    {
      schema: {
        body: {
          type: 'object',
          required: ['shares', 'threshold'],
          additionalProperties: false,
          properties: {
            shares: { type: 'integer', minimum: 2, maximum: MAX_SHARES },
            threshold: { type: 'integer', minimum: 2, maximum: MAX_SHARES },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['shares', 'threshold'],
            properties: { shares: { type: 'array', items: { type: 'string' } }, threshold: { type: 'integer' } },
          },
          ...errors,
        },
      },
    },
    async (request) => ({
      shares: await seal.init(callerOf(request), request.body.shares, request.body.threshold),
      threshold: request.body.threshold,
    }),
  );

  app.post(
    '/v1/sys/unseal',
    {
      schema: {
        body: { type: 'object', required: ['share'], additionalProperties: false, properties: { share: { ...base64, maxLength: 256 } } },
        response: { 200: sealStatus, ...errors },
      },
    },
    async (request) => seal.unseal(callerOf(request), new Uint8Array(Buffer.from(request.body.share, 'base64'))),
  );

  app.post('/v1/sys/seal', { schema: { response: { 200: sealStatus, ...errors } } }, async (request) => seal.seal(callerOf(request)));

  app.get(
    '/v1/audit',
    {
      // The gateway polls this every few seconds; a request line each time would drown the log.
      logLevel: 'warn',
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: decimal,
            limit: decimal,
          },
        },
        response: {
          200: { type: 'object', required: ['events', 'next'], properties: { events: { type: 'array', items: auditEvent }, next: { type: 'integer' } } },
          ...errors,
        },
      },
    },
    async (request) => listAudit(db, Number(request.query.after ?? 0), pageLimit(request.query.limit, AUDIT_PAGE_LIMIT)),
  );
}
