import type { FastifyInstance } from 'fastify';
import { requireParty } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { responses } from '../http/schemas.ts';
import { ID_PATTERN } from '../ids.ts';
import { transferFactSource } from '../reports/facts.ts';
import { filingResponse } from '../reports/routes.ts';
import { outboundFlows } from './flows.ts';

const bucket = {
  type: 'object',
  required: ['key', 'transfers', 'records', 'subjects'],
  properties: { key: { type: 'string' }, transfers: { type: 'integer' }, records: { type: 'integer' }, subjects: { type: 'integer' } },
} as const;
const buckets = { type: 'array', items: bucket } as const;

const flowsResponse = {
  type: 'object',
  required: ['year', 'totals', 'byDestination', 'byCategory', 'byMechanism', 'byMonth'],
  properties: {
    year: { type: 'integer' },
    exporterId: { type: ['string', 'null'] },
    totals: { type: 'object', properties: { transfers: { type: 'integer' }, records: { type: 'integer' }, subjects: { type: 'integer' } } },
    byDestination: buckets,
    byCategory: buckets,
    byMechanism: buckets,
    byMonth: buckets,
  },
} as const;

const filingsResponse = {
  type: 'object',
  required: ['filings'],
  properties: {
    filings: { type: 'array', items: { ...filingResponse, properties: { ...filingResponse.properties, exporterName: { type: ['string', 'null'] } } } },
  },
} as const;

const exporterQuery = { exporter: { type: 'string', pattern: ID_PATTERN } } as const;

/** What a regulator looks at besides single receipts: aggregate outbound flows and every exporter's filings. */
export async function regulatorRoutes(app: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  app.get<{ Querystring: { year: string; exporter?: string } }>(
    '/v1/regulator/flows',
    {
      schema: {
        tags: ['reports'],
        querystring: {
          type: 'object',
          required: ['year'],
          additionalProperties: false,
          properties: { year: { type: 'string', pattern: '^(19|20|21)\\d{2}$' }, ...exporterQuery },
        },
        response: responses({ 200: flowsResponse }),
      },
    },
    async (request) => {
      requireParty(request.principal, ['regulator']);
      return outboundFlows(transferFactSource(ctx), Number(request.query.year), request.query.exporter);
    },
  );

  app.get<{ Querystring: { exporter?: string } }>(
    '/v1/regulator/filings',
    {
      schema: {
        tags: ['compliance'],
        querystring: { type: 'object', additionalProperties: false, properties: exporterQuery },
        response: responses({ 200: filingsResponse }),
      },
    },
    async (request) => {
      requireParty(request.principal, ['regulator']);
      const filings = await ctx.compliance.filings.listAll(request.query.exporter);
      const ids = [...new Set(filings.map((f) => f.exporterId))];
      const names = new Map(
        ids.length === 0 ? [] : (await ctx.db.selectFrom('parties').select(['id', 'name']).where('id', 'in', ids).execute()).map((p) => [p.id, p.name]),
      );
      return { filings: filings.map((f) => ({ ...f, exporterName: names.get(f.exporterId) ?? null })) };
    },
  );
}
