import type { FastifyInstance } from 'fastify';
import type { JSONSchema } from 'json-schema-to-ts';
import { SluiceError, type RouteTypes } from '../../common/index.ts';
import { publicView } from '../parties/service.ts';
import { releaseRisk, WARN_BELOW_K } from '../contracts/risk.ts';
import { contractTerms, getContract } from '../contracts/service.ts';
import { getDataset } from '../datasets/service.ts';
import type { GatewayContext } from '../context.ts';
import { dateOrDateTime, idParams, responses } from '../http/schemas.ts';
import { pageQuery, readPage } from '../http/paging.ts';
import { ID_PATTERN } from '../ids.ts';
import { listComputeJobs, listContracts, listDatasets, listTransfers } from './queries.ts';
import {
  computeJobListResponse,
  contractListResponse,
  datasetListResponse,
  meResponse,
  riskResponse,
  transferListResponse,
} from './schemas.ts';

const id = { type: 'string', pattern: ID_PATTERN } as const;
const JOB_STATUSES = ['queued', 'running', 'awaiting_approval', 'released', 'failed'] as const;

const query = <const P extends Record<string, JSONSchema>>(properties: P) => ({ type: 'object', additionalProperties: false, properties: { ...pageQuery, ...properties } }) as const;

/**
 * What a person needs to find their way: who the token belongs to, and the caller's datasets,
 * contracts, transfers and compute jobs (everything for regulators). Each list is newest first,
 * paged by `limit` and the `next` cursor; each item is what the object's own GET route shows.
 */
export async function viewRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.get(
    '/v1/me',
    { schema: { tags: ['parties'], response: responses({ 200: meResponse }) } },
    async (request) => (request.principal.role === 'admin' ? { role: 'admin' as const } : { role: 'party' as const, party: publicView(request.principal.party) }),
  );

  app.get(
    '/v1/datasets',
    { schema: { tags: ['datasets'], querystring: query({}), response: responses({ 200: datasetListResponse }) } },
    async (request) => listDatasets(ctx, request.principal, readPage(request.query)),
  );

  app.get(
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

  app.get(
    '/v1/transfers',
    {
      schema: {
        tags: ['transfers'],
        querystring: query({ contractId: id, exporterId: id, recipientId: id, status: { type: 'string', enum: ['running', 'completed', 'failed'] }, from: dateOrDateTime, to: dateOrDateTime }),
        response: responses({ 200: transferListResponse }),
      },
    },
    async (request) => {
      const { contractId, exporterId, recipientId, status, from, to } = request.query;
      return listTransfers(ctx, request.principal, { contractId, exporterId, recipientId, status, from, to }, readPage(request.query));
    },
  );

  app.get(
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

  // Re-identification risk of what a contract releases, measured on the records as they are now
  // (they may have grown since the proposal): for the owner, who decides whether to sign.
  app.get(
    '/v1/contracts/:id/risk',
    { schema: { tags: ['contracts'], params: idParams, response: responses({ 200: riskResponse }) } },
    async (request) => {
      const contract = await getContract(ctx, request.params.id);
      if (request.principal.role !== 'party' || request.principal.party.id !== contract.owner_id) {
        throw new SluiceError('FORBIDDEN', 'only the data owner may measure this');
      }
      const terms = contractTerms(contract);
      // Contracts without fields (AI egress: prompts, always redacted) release no quasi-identifier.
      const risk =
        terms.fields && contract.dataset_id ? await releaseRisk(ctx, await getDataset(ctx, contract.dataset_id), terms.fields) : { quasiIdentifiers: [], k: null, sampled: 0 };
      const floor = terms.minK ?? WARN_BELOW_K;
      return { ...risk, minK: terms.minK ?? null, warn: risk.k !== null && risk.k < floor };
    },
  );
}
