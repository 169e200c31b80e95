import type { FastifyInstance } from 'fastify';
import { SluiceError, type RouteTypes } from '../../common/index.ts';
import { HE_RESULT_SCHEMA } from '../../compute/index.ts';
import { requireParty, type Principal } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { idParams, responses } from '../http/schemas.ts';
import { approveJob } from './approvals.ts';
import { contribute, jobKey } from './contributions.ts';
import { createJob } from './create.ts';
import { assertMayRead, getJob, jobInputs, jobView, releasedResult } from './jobs.ts';
import { joinTagsReceived } from './join.ts';
import { psiExchange, psiSession } from './psi.ts';
import {
  approveBody,
  approveResponse,
  binaryBody,
  contributionResponse,
  createdJobResponse,
  createJobBody,
  jobKeyResponse,
  jobResponse,
  psiSessionResponse,
} from './schemas.ts';
import { startComputeService } from './service.ts';
import { ownerPreview } from './disclosure/controls.ts';

const tags = ['compute'];

function binary(body: unknown): Uint8Array {
  if (!Buffer.isBuffer(body)) throw new SluiceError('VALIDATION_FAILED', 'send the artifact as application/octet-stream');
  return body;
}

/** Compute jobs: homomorphic aggregates over owners' datasets (and partners' columns), and PSI. */
export async function computeRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  const service = await startComputeService(ctx);
  const rt = service.runtime;
  app.addHook('preClose', async () => rt.events.endAll());
  app.addHook('onClose', () => service.stop());
  // Encrypted columns and PSI messages arrive whole: they are verified and stored as one artifact.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: ctx.config.artifactLimit }, (_request, body, done) => done(null, body));

  const readable = async (principal: Principal, id: string) => {
    const job = await getJob(rt.ctx.db, id);
    assertMayRead(principal, job, await jobInputs(rt.ctx.db, id));
    return job;
  };

  app.post(
    '/v1/compute/jobs',
    { config: { idempotent: true }, schema: { tags, body: createJobBody, response: responses({ 201: createdJobResponse }) } },
    async (request, reply) => {
      const requester = requireParty(request.principal, ['overseas', 'domestic']);
      const created = await createJob(rt, requester, request.body);
      request.log.info({ jobId: created.id, operation: request.body.operation, inputs: request.body.inputs.length }, 'compute job created');
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/v1/compute/jobs/:id',
    { schema: { tags, params: idParams, response: responses({ 200: jobResponse }) } },
    async (request) => {
      const job = await readable(request.principal, request.params.id);
      const view = await jobView(rt.ctx.db, ctx.compute.queue, job);
      // An input's owner also sees what the job reveals of its persons, to judge before approving.
      const preview = request.principal.role === 'party' ? await ownerPreview(rt.ctx.db, job.id, request.principal.party.id) : undefined;
      return preview ? { ...view, disclosure: preview } : view;
    },
  );

  app.get(
    '/v1/compute/jobs/:id/events',
    { schema: { tags, params: idParams, response: responses({ 200: { description: 'text/event-stream: the job view on every change until released or failed' } }) } },
    async (request, reply) => {
      const { id } = request.params;
      await readable(request.principal, id);
      rt.events.stream(reply, id, async () => jobView(rt.ctx.db, ctx.compute.queue, await getJob(rt.ctx.db, id)));
      return reply;
    },
  );

  app.post(
    '/v1/compute/jobs/:id/approve',
    { schema: { tags, params: idParams, body: approveBody, response: responses({ 200: approveResponse }) } },
    async (request) => approveJob(rt, request.principal, request.params.id),
  );

  app.get(
    '/v1/compute/jobs/:id/result',
    { schema: { tags, params: idParams, response: responses({ 200: HE_RESULT_SCHEMA }) } },
    async (request) => releasedResult(request.principal, await getJob(rt.ctx.db, request.params.id)),
  );

  app.get(
    '/v1/compute/jobs/:id/key',
    { schema: { tags, params: idParams, response: responses({ 200: jobKeyResponse }) } },
    async (request) => jobKey(rt, request.principal, request.params.id),
  );

  app.post(
    '/v1/compute/jobs/:id/contributions',
    { schema: { tags, params: idParams, body: binaryBody, response: responses({ 201: contributionResponse }) } },
    async (request, reply) => {
      const receipt = await contribute(rt, request.principal, request.params.id, binary(request.body));
      request.log.info({ jobId: request.params.id, input: receipt.input, n: receipt.n }, 'compute contribution stored');
      return reply.status(201).send(receipt);
    },
  );

  app.get(
    '/v1/compute/jobs/:id/psi',
    { schema: { tags, params: idParams, response: responses({ 200: psiSessionResponse }) } },
    async (request) => psiSession(rt, request.principal, request.params.id),
  );

  app.post(
    '/v1/compute/jobs/:id/psi',
    { schema: { tags, params: idParams, body: binaryBody, response: responses({ 200: { description: 'psi-response (application/octet-stream)' } }) } },
    async (request, reply) => {
      const response = await psiExchange(rt, request.principal, request.params.id, binary(request.body));
      return reply.type('application/octet-stream').send(Buffer.from(response.buffer, response.byteOffset, response.byteLength));
    },
  );

  app.post(
    '/v1/compute/jobs/:id/psi/tags',
    { schema: { tags, params: idParams, body: binaryBody, response: responses({ 200: createdJobResponse }) } },
    async (request) => joinTagsReceived(rt, request.principal, request.params.id, binary(request.body)),
  );
}
