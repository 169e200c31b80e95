import type { FastifyInstance } from 'fastify';
import type { RouteTypes } from '../../common/index.ts';
import { requireParty } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { responses } from '../http/schemas.ts';
import { ID_PATTERN } from '../ids.ts';
import { transferFactSource } from '../reports/facts.ts';
import { filingResponse } from '../reports/routes.ts';
import { outboundFlows } from './flows.ts';

/** A list of chart bars: a key and some counts. */
const bucketsOf = (...measures: string[]) =>
  ({
    type: 'array',
    items: {
      type: 'object',
      required: ['key', ...measures],
      properties: { key: { type: 'string' }, ...Object.fromEntries(measures.map((m) => [m, { type: 'integer' }])) },
    },
  }) as const;
const buckets = bucketsOf('transfers', 'records', 'subjects');
const egressBuckets = bucketsOf('calls', 'subjects');

const egressFlowsSchema = {
  type: 'object',
  description: 'AI egress calls (egress ledger records) as their own series: calls and the persons they named, never a value',
  required: ['totals', 'byDestination', 'byCategory', 'byMechanism', 'byMonth', 'byEntity'],
  properties: {
    totals: { type: 'object', required: ['calls', 'subjects'], properties: { calls: { type: 'integer' }, subjects: { type: 'integer' } } },
    byDestination: egressBuckets,
    byCategory: egressBuckets,
    byMechanism: egressBuckets,
    byMonth: egressBuckets,
    byEntity: bucketsOf('calls', 'found'),
  },
} as const;

const flowsResponse = {
  type: 'object',
  required: ['year', 'totals', 'byDestination', 'byCategory', 'byMechanism', 'byMonth', 'egress'],
  properties: {
    year: { type: 'integer' },
    exporterId: { type: ['string', 'null'] },
    totals: { type: 'object', properties: { transfers: { type: 'integer' }, records: { type: 'integer' }, subjects: { type: 'integer' } } },
    byDestination: buckets,
    byCategory: buckets,
    byMechanism: buckets,
    byMonth: buckets,
    egress: egressFlowsSchema,
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
export async function regulatorRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.get(
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
      const year = Number(request.query.year);
      const { exporter } = request.query;
      return outboundFlows(transferFactSource(ctx), year, exporter);
    },
  );

  app.get(
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
