import type { FastifyInstance } from 'fastify';
import { publicView } from '../parties/service.ts';
import type { GatewayContext } from '../context.ts';
import { dateOrDateTime, responses } from '../http/schemas.ts';
import { pageQuery, readPage } from '../http/paging.ts';
import { ID_PATTERN } from '../ids.ts';
import { listComputeJobs, listContracts, listDatasets, listTransfers, type ContractFilter, type TransferFilter } from './queries.ts';
import {
  computeJobListResponse,
  contractListResponse,
  datasetListResponse,
  meResponse,
  transferListResponse,
} from './schemas.ts';

const id = { type: 'string', pattern: ID_PATTERN } as const;
const JOB_STATUSES = ['queued', 'running', 'awaiting_approval', 'released', 'failed'] as const;

const query = (properties: Record<string, object>) => ({ type: 'object', additionalProperties: false, properties: { ...pageQuery, ...properties } }) as const;

type Paged = { limit?: string; after?: string };

/**
 * What a person needs to find their way: who the token belongs to, and the caller's datasets,
 * contracts, transfers and compute jobs (everything for regulators). Each list is newest first,
 * paged by `limit` and the `next` cursor; each item is what the object's own GET route shows.
 */
export async function listingRoutes(app: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  app.get(
    '/v1/me',
    { schema: { tags: ['parties'], response: responses({ 200: meResponse }) } },
    async (request) => (request.principal.role === 'admin' ? { role: 'admin' } : { role: 'party', party: publicView(request.principal.party) }),
  );

  app.get<{ Querystring: Paged }>(
    '/v1/datasets',
    { schema: { tags: ['datasets'], querystring: query({}), response: responses({ 200: datasetListResponse }) } },
    async (request) => listDatasets(ctx, request.principal, readPage(request.query)),
  );

  app.get<{ Querystring: Paged & ContractFilter }>(
    '/v1/contracts',
    {
      schema: {
        tags: ['contracts'],
        querystring: query({ status: { type: 'string', enum: ['pending', 'approved', 'revoked'] }, role: { type: 'string', enum: ['owner', 'recipient'] }, datasetId: id }),
        response: responses({ 200: contractListResponse }),
      },
    },
    async (request) => {
      const { status, role, datasetId } = request.query;
      return listContracts(ctx, request.principal, { status, role, datasetId }, readPage(request.query));
    },
  );

  app.get<{ Querystring: Paged & TransferFilter }>(
    '/v1/transfers',
    {
      schema: {
        tags: ['transfers'],
        querystring: query({ contractId: id, exporterId: id, recipientId: id, from: dateOrDateTime, to: dateOrDateTime }),
        response: responses({ 200: transferListResponse }),
      },
    },
    async (request) => {
      const { contractId, exporterId, recipientId, from, to } = request.query;
      return listTransfers(ctx, request.principal, { contractId, exporterId, recipientId, from, to }, readPage(request.query));
    },
  );

  app.get<{ Querystring: Paged & { status?: (typeof JOB_STATUSES)[number] } }>(
    '/v1/compute/jobs',
    {
      schema: {
        tags: ['compute'],
        querystring: query({ status: { type: 'string', enum: [...JOB_STATUSES] } }),
        response: responses({ 200: computeJobListResponse }),
      },
    },
    async (request) => listComputeJobs(ctx, request.principal, request.query.status, readPage(request.query)),
  );
}
