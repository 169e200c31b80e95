import { Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError, type RouteTypes } from '../../common/index.ts';
import { readRecords as parseRecords } from '../formats/index.ts';
import { requireParty, type Principal } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { idParams, responses } from '../http/schemas.ts';
import {
  createDatasetBody,
  createDatasetResponse,
  datasetResponse,
  insertedResponse,
} from './schemas.ts';
import { appendRecords, createDataset, datasetView, getDataset, type DatasetRow } from './service.ts';
import { traceDatasetLeak } from '../contracts/trace.ts';

/** JSON array, NDJSON or CSV, each streamed and checked record by record. */
const recordsBody = {
  content: {
    'application/json': { schema: { description: 'a JSON array of records (objects)' } },
    'application/x-ndjson': { schema: { description: 'one JSON object per line' } },
    'text/csv': { schema: { description: 'header row, then one record per row' } },
  },
} as const;

const traceResponse = {
  type: 'object',
  required: ['recipientId', 'contractId', 'score', 'candidates'],
  properties: {
    recipientId: { type: ['string', 'null'] },
    contractId: { type: ['string', 'null'] },
    score: { type: 'number' },
    candidates: {
      type: 'array',
      items: {
        type: 'object',
        properties: { recipientId: { type: 'string' }, contractId: { type: ['string', 'null'] }, score: { type: 'number' } },
      },
    },
  },
} as const;

const UPLOAD_TYPES = { 'application/json': 'json-array', 'application/x-ndjson': 'ndjson', 'text/csv': 'csv' } as const;

export async function datasetRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  await app.register(uploadRoutes, { ctx });

  app.post(
    '/v1/datasets',
    { schema: { tags: ['datasets'], body: createDatasetBody, response: responses({ 201: createDatasetResponse }) } },
    async (request, reply) => {
      const owner = requireParty(request.principal, ['domestic']);
      const created = await createDataset(ctx, owner, request.body);
      request.log.info({ datasetId: created.id }, 'dataset created');
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/v1/datasets/:id',
    { schema: { tags: ['datasets'], params: idParams, response: responses({ 200: datasetResponse }) } },
    async (request) => {
      const dataset = await getDataset(ctx, request.params.id);
      await assertMayRead(ctx, request.principal, dataset);
      return datasetView(dataset);
    },
  );
}

/**
 * Uploads (records, leak traces) in their own context: every accepted format is parsed as it
 * streams in, never buffered whole, under SLUICE_UPLOAD_LIMIT instead of the JSON body limit.
 */
async function uploadRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(Object.keys(UPLOAD_TYPES), (_request, payload, done) => done(null, payload));

  app.post(
    '/v1/datasets/:id/records',
    {
      config: { idempotent: true },
      schema: {
        tags: ['datasets'],
        description: 'Streams under SLUICE_UPLOAD_LIMIT. Honours Idempotency-Key.',
        params: idParams,
        body: recordsBody,
        response: responses({ 200: insertedResponse }),
      },
    },
    async (request) => {
      const owner = requireParty(request.principal, ['domestic']);
      const dataset = await getDataset(ctx, request.params.id);
      if (dataset.owner_id !== owner.id) throw new SluiceError('FORBIDDEN', 'only the dataset owner may upload records');
      const inserted = await appendRecords(ctx, dataset, uploadBatches(request, ctx.config.uploadLimit));
      request.log.info({ datasetId: dataset.id, inserted }, 'records stored');
      return { inserted };
    },
  );

  // Leak tracing: the owner posts a leaked extract (same formats as uploads) and learns which
  // fingerprinted contract's recipient it came from.
  app.post(
    '/v1/datasets/:id/trace',
    {
      schema: {
        tags: ['datasets'],
        params: idParams,
        body: recordsBody,
        response: responses({ 200: traceResponse }),
      },
    },
    async (request) => {
      const owner = requireParty(request.principal, ['domestic']);
      const dataset = await getDataset(ctx, request.params.id);
      if (dataset.owner_id !== owner.id) throw new SluiceError('FORBIDDEN', 'only the dataset owner may trace leaks of it');
      return traceDatasetLeak(ctx, dataset, uploadBatches(request, ctx.config.uploadLimit));
    },
  );
}

function uploadBatches(request: FastifyRequest, limit: number): AsyncIterable<Record<string, unknown>[]> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() as keyof typeof UPLOAD_TYPES;
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new SluiceError('PAYLOAD_TOO_LARGE', 'request body is too large');
  if (!(request.body instanceof Readable)) throw new SluiceError('VALIDATION_FAILED', 'records must be a JSON array, NDJSON or CSV');
  return parseRecords(limitBytes(request.body, limit), UPLOAD_TYPES[type]);
}

/** Streams have no Content-Length guarantee (chunked), so the body limit is enforced on the bytes. */
function limitBytes(source: Readable, limit: number): Readable {
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new SluiceError('PAYLOAD_TOO_LARGE', 'request body is too large'));
      else callback(null, chunk);
    },
  });
  source.on('error', (error) => guard.destroy(error));
  return source.pipe(guard);
}

/** Owners, regulators and recipients of a contract over the dataset may see its metadata. */
async function assertMayRead(ctx: GatewayContext, principal: Principal, dataset: DatasetRow): Promise<void> {
  if (principal.role === 'admin') return;
  const party = requireParty(principal);
  if (party.id === dataset.owner_id || party.kind === 'regulator') return;
  const contract = await ctx.db
    .selectFrom('contracts')
    .select('id')
    .where('dataset_id', '=', dataset.id)
    .where('recipient_id', '=', party.id)
    .executeTakeFirst();
  if (!contract) throw new SluiceError('FORBIDDEN', 'not a party to this dataset');
}
