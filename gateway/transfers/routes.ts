import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SluiceError, type RouteTypes } from '../../common/index.ts';
import { anchoredRecord } from '../anchoring/records.ts';
import { requireParty } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { idParams, responses } from '../http/schemas.ts';
import { TransferEvents } from './events.ts';
import { TransferRunner } from './jobs.ts';
import { readPackage } from './package-store.ts';
import { acceptedResponse, anchoredResponse, createTransferBody, transferResponse, transferViewResponse } from './schemas.ts';
import { assertMayReadReceipt, createTransfer, downloadableTransfer, getTransfer, transferView } from './service.ts';

export async function transferRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  const events = new TransferEvents();
  const runner = new TransferRunner(ctx, ctx.logger);
  app.addHook('onReady', async () => runner.start());
  app.addHook('preClose', async () => {
    events.endAll();
    await runner.stop();
  });

  app.post(
    '/v1/transfers',
    {
      config: { idempotent: true },
      schema: {
        tags: ['transfers'],
        description: 'Up to SLUICE_TRANSFER_SYNC_RECORDS records: 201 once released. Larger: 202, produced in the background (GET /v1/transfers/:id). Honours Idempotency-Key.',
        body: createTransferBody,
        response: responses({ 201: transferResponse, 202: acceptedResponse }),
      },
    },
    async (request, reply) => {
      const recipient = requireParty(request.principal, ['overseas', 'domestic']);
      const result = await createTransfer(ctx, runner, recipient, request.body, request.idempotency);
      request.log.info({ transferId: result.body.id, contractId: request.body.contractId, status: result.body.status }, 'transfer accepted');
      return reply.status(result.status).send(result.body);
    },
  );

  app.get(
    '/v1/transfers/:id',
    { schema: { tags: ['transfers'], params: idParams, response: responses({ 200: transferViewResponse }) } },
    async (request) => transferView(ctx, request.principal, request.params.id),
  );

  app.get(
    '/v1/transfers/:id/events',
    { schema: { tags: ['transfers'], params: idParams, response: responses({ 200: { description: 'text/event-stream: the transfer view on every change until completed or failed' } }) } },
    async (request, reply) => {
      const { id } = request.params;
      await transferView(ctx, request.principal, id);
      events.stream(reply, () => transferView(ctx, request.principal, id));
      return reply;
    },
  );

  app.get(
    '/v1/transfers/:id/package',
    {
      schema: {
        tags: ['transfers'],
        params: idParams,
        response: responses({
          200: { description: 'the package (sluice.package.v2, docs/ARCHITECTURE.md), encrypted to the recipient key; honours Range (206, 416)' },
          206: { description: 'the requested byte range of the package' },
        }),
      },
    },
    async (request, reply) => {
      const transfer = await downloadableTransfer(ctx, request.principal, request.params.id);
      const size = transfer.package_size ?? 0;
      const etag = `"${transfer.package_digest}"`;
      const ifRange = request.headers['if-range'];
      const range = ifRange === undefined || ifRange === etag ? byteRange(request.headers.range, size) : undefined;
      if (range === 'unsatisfiable') {
        reply.header('content-range', `bytes */${size}`);
        throw new SluiceError('RANGE_NOT_SATISFIABLE', 'the requested range is outside the package', { size });
      }
      const { start, end } = range ?? { start: 0, end: size - 1 };
      const body = Readable.from(await readPackage(ctx, transfer, start, end), { objectMode: false });
      headers(reply, request.params.id, etag, end - start + 1);
      if (range) reply.status(206).header('content-range', `bytes ${start}-${end}/${size}`);
      return reply.send(body);
    },
  );

  app.get(
    '/v1/transfers/:id/receipt',
    { schema: { tags: ['transfers'], params: idParams, response: responses({ 200: anchoredResponse('receipt') }) } },
    async (request) => {
      const transfer = await getTransfer(ctx, request.params.id);
      assertMayReadReceipt(request.principal, transfer);
      const anchored = await anchoredRecord(ctx, transfer.id);
      if (!anchored) throw new SluiceError('CONFLICT', 'receipt is not anchored on the ledger yet; retry shortly');
      return { receipt: anchored.record, proof: anchored.proof };
    },
  );
}

function headers(reply: FastifyReply, id: string, etag: string, length: number): void {
  reply
    .type('application/octet-stream')
    .header('content-length', length)
    .header('accept-ranges', 'bytes')
    .header('etag', etag)
    .header('cache-control', 'no-store')
    .header('content-disposition', `attachment; filename="${id}.sluice"`);
}

/**
 * One `bytes=` range of RFC 9110 §14.1.2, resolved against the package size. Anything else — no
 * header, another unit, several ranges, a malformed one — is ignored (the whole package, 200), as
 * the RFC allows; a well-formed range starting past the end is unsatisfiable (416).
 */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const last = match[2] === '' ? Infinity : Number(match[2]);
  if (last < start) return undefined;
  return start >= size ? 'unsatisfiable' : { start, end: Math.min(last, size - 1) };
}
