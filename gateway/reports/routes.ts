import type { FastifyInstance } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import { SluiceError, type RouteTypes } from '../../common/index.ts';
import {
  annualReport,
  assess,
  assessmentSchema,
  complianceStatus,
  filingSchema,
  pipiaDraft,
  renderAnnualReportMarkdown,
  scenarioSchema,
  type Ftz,
} from '../compliance/index.ts';
import { requireParty } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { assertOwner, contractDatasetId, contractTerms, getContract } from '../contracts/service.ts';
import { datasetFields, getDataset } from '../datasets/service.ts';
import { freeObject, idParams, responses } from '../http/schemas.ts';
import { ID_PATTERN } from '../ids.ts';
import { getParty } from '../parties/service.ts';
import { transferFactSource } from './facts.ts';
import { confirmFiling, recordFiling } from './filings.ts';

const yearQuery = {
  type: 'object',
  required: ['year'],
  additionalProperties: false,
  properties: { year: { type: 'string', pattern: '^(19|20|21)\\d{2}$' }, exporter: { type: 'string', pattern: ID_PATTERN } },
} as const;

export const filingResponse = {
  type: 'object',
  required: ['exporterId', 'mechanism', 'reference', 'validFrom', 'validUntil'],
  properties: {
    exporterId: { type: 'string' },
    mechanism: { type: 'string' },
    reference: { type: 'string' },
    validFrom: { type: 'string' },
    validUntil: { type: 'string' },
    recordedAt: { type: 'string' },
    status: { type: 'string', enum: ['declared', 'awaiting_confirmation', 'confirmed'] },
    confirmedAt: { type: ['string', 'null'] },
    confirmedBy: { type: ['string', 'null'] },
    ledger: { type: 'string', description: 'id of the ledger record anchoring this filing event' },
  },
} as const;

const confirmBody = {
  type: 'object',
  required: ['exporterId', 'reference'],
  additionalProperties: false,
  properties: { exporterId: { type: 'string', pattern: ID_PATTERN }, reference: filingSchema.properties.reference },
} as const;

const filingsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { exporter: { type: 'string', pattern: ID_PATTERN } },
} as const;

const statusResponse = {
  type: 'object',
  required: ['year', 'personal', 'sensitive', 'mechanism', 'rules', 'filings'],
  properties: {
    year: { type: 'integer' },
    personal: { type: 'integer' },
    sensitive: { type: 'integer' },
    mechanism: { type: 'string' },
    rules: { type: 'array', items: { type: 'string' } },
    filings: { type: 'array', items: filingResponse },
    asOf: { type: 'string' },
    regime: { type: 'string' },
    personalSincePreviousYear: { type: ['integer', 'null'] },
    sensitiveSincePreviousYear: { type: ['integer', 'null'] },
    coveredBy: { type: ['string', 'null'] },
  },
} as const;

export async function complianceRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  const database = { db: ctx.db, dialect: ctx.dialect };

  app.post(
    '/v1/compliance/assess',
    { schema: { tags: ['compliance'], body: scenarioSchema, response: responses({ 200: assessmentSchema }) } },
    async (request) => assess(request.body),
  );

  app.get(
    '/v1/compliance/status',
    { schema: { tags: ['compliance'], querystring: yearQuery, response: responses({ 200: statusResponse }) } },
    async (request) => {
      const exporter = requireParty(request.principal, ['domestic']);
      return complianceStatus(database, exporter.id, Number(request.query.year), { ciio: exporter.ciio === 1, ftz: (exporter.ftz as Ftz | null) ?? null }, ctx.now());
    },
  );

  // Standard-contract filings and certificates are declared by the owner; a security assessment
  // is recorded as awaiting a regulator's confirmation and covers no transfer until then.
  app.post(
    '/v1/compliance/filings',
    { schema: { tags: ['compliance'], body: filingSchema, response: responses({ 201: filingResponse }) } },
    async (request, reply) => {
      const exporter = requireParty(request.principal, ['domestic']);
      const filing = await recordFiling(ctx, exporter.id, request.body);
      request.log.info({ exporterId: exporter.id, mechanism: filing.mechanism, status: filing.status }, 'filing recorded');
      return reply.status(201).send(filing);
    },
  );

  // An exporter lists its own filings; a regulator every exporter's (or one's, ?exporter=ID).
  app.get(
    '/v1/compliance/filings',
    { schema: { tags: ['compliance'], querystring: filingsQuery, response: responses({ 200: { type: 'object', required: ['filings'], properties: { filings: { type: 'array', items: filingResponse } } } }) } },
    async (request) => {
      const party = requireParty(request.principal, ['domestic', 'regulator']);
      if (party.kind === 'domestic' && request.query.exporter && request.query.exporter !== party.id) {
        throw new SluiceError('FORBIDDEN', 'an exporter sees only its own filings');
      }
      return { filings: await ctx.compliance.filings.list(party.kind === 'domestic' ? party.id : request.query.exporter) };
    },
  );

  app.post(
    '/v1/compliance/filings/confirm',
    { schema: { tags: ['compliance'], body: confirmBody, response: responses({ 200: filingResponse }) } },
    async (request) => {
      const regulator = requireParty(request.principal, ['regulator']);
      const filing = await confirmFiling(ctx, regulator.id, request.body.exporterId, request.body.reference);
      request.log.info({ exporterId: filing.exporterId, regulatorId: regulator.id }, 'security assessment confirmed');
      return filing;
    },
  );

  // R-REPORT: exporters see their own year; regulators any exporter's, or all of them. Its reply
  // is JSON or Markdown, which no type derived from the schema says: the route is typed by hand.
  fastify.get<{ Querystring: FromSchema<typeof yearQuery> }>(
    '/v1/reports/annual',
    {
      schema: {
        tags: ['reports'],
        querystring: yearQuery,
        response: responses({ 200: { description: 'the annual outbound data report (JSON, or Markdown with Accept: text/markdown)', ...freeObject } }),
      },
    },
    async (request, reply) => {
      const party = requireParty(request.principal, ['domestic', 'regulator']);
      if (party.kind === 'domestic' && request.query.exporter && request.query.exporter !== party.id) {
        throw new SluiceError('FORBIDDEN', 'an exporter may report only on itself');
      }
      const exporterId = party.kind === 'domestic' ? party.id : request.query.exporter;
      const report = await annualReport(database, { year: Number(request.query.year), ...(exporterId ? { exporterId } : {}) }, transferFactSource(ctx), ctx.now());
      if ((request.headers.accept ?? '').includes('text/markdown')) {
        return reply.type('text/markdown; charset=utf-8').serializer((body: string) => body).send(renderAnnualReportMarkdown(report));
      }
      return report;
    },
  );

  // R-DUTY-PIPIA: a draft impact assessment for the owner to complete before export.
  app.get(
    '/v1/contracts/:id/pipia',
    { schema: { tags: ['contracts'], params: idParams, response: responses({ 200: { type: 'string', description: 'Markdown' } }) } },
    async (request, reply) => {
      const contract = await getContract(ctx, request.params.id);
      const owner = assertOwner(request.principal, contract);
      const terms = contractTerms(contract);
      const dataset = await getDataset(ctx, contractDatasetId(contract));
      const recipient = await getParty(ctx, contract.recipient_id);
      const markdown = pipiaDraft(
        { id: contract.id, ...terms, maxRecordsPerTransfer: terms.maxRecordsPerTransfer ?? null },
        { id: dataset.id, name: dataset.name, fields: datasetFields(dataset), records: dataset.record_count },
        { id: recipient.id, name: recipient.name, jurisdiction: recipient.jurisdiction, contact: recipient.contact },
        { exporter: { name: owner.name, contact: owner.contact }, date: ctx.now().toISOString().slice(0, 10) },
      );
      return reply.type('text/markdown; charset=utf-8').send(markdown);
    },
  );
}
