import type { FastifyInstance, FastifyReply } from 'fastify';
import { isSluiceError, type RouteTypes } from '../../common/index.ts';
import type { GatewayContext } from '../context.ts';
import { responses } from '../http/schemas.ts';
import { restoreCompletion, StreamRestorer } from './messages.ts';
import { sseData } from '../http/sse.ts';
import { callProvider, readAnswer } from './provider.ts';
import { chatCompletionBody, chatCompletionResponse, egressParams } from './schemas.ts';
import { releasePrompt, type ReleasedPrompt } from './service.ts';

/** The id of the call's `egress` ledger record, for the caller to fetch its proof. */
const EGRESS_ID_HEADER = 'x-sluice-egress-id';

/**
 * AI egress: an OpenAI-compatible chat-completions endpoint in front of the overseas model
 * provider an ai_egress contract names. The provider's key, if it needs one, comes in
 * `X-Provider-Authorization` and is forwarded as its `Authorization`; Sluice stores none.
 */
export async function egressRoutes(fastify: FastifyInstance, { ctx }: { ctx: GatewayContext }): Promise<void> {
  const app = fastify.withTypeProvider<RouteTypes>();
  app.post(
    '/v1/egress/:contractId/chat/completions',
    { schema: { tags: ['egress'], params: egressParams, body: chatCompletionBody, response: responses({ 200: chatCompletionResponse }) } },
    async (request, reply) => {
      const released = await releasePrompt(ctx, request.principal, request.params.contractId, request.body);
      const authorization = request.headers['x-provider-authorization'];
      const answer = await callProvider(released.endpoint, released.body, typeof authorization === 'string' ? authorization : undefined);
      request.log.info({ egressId: released.egressId, contractId: request.params.contractId, stream: request.body.stream === true }, 'prompt sent');
      if (request.body.stream !== true) {
        reply.header(EGRESS_ID_HEADER, released.egressId);
        return restoreCompletion(await readAnswer(answer), released.tokens);
      }
      await streamAnswer(reply, answer, released);
      return reply;
    },
  );
}

interface Chunk {
  id?: unknown;
  model?: unknown;
  created?: unknown;
  choices?: { index?: unknown; delta?: { content?: unknown }; finish_reason?: unknown }[];
}

/**
 * Relays the provider's chat.completion.chunk events with tokens restored. A choice's text is
 * held back while it may end inside a token; a chunk that finishes the choice carries what was
 * held; anything still held at `[DONE]` goes out in one last chunk.
 */
async function streamAnswer(reply: FastifyReply, answer: Response, released: ReleasedPrompt): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
    [EGRESS_ID_HEADER]: released.egressId,
  });
  const send = (payload: string) => raw.write(`data: ${payload}\n\n`);
  const restorer = new StreamRestorer(released.tokens);
  let last: Chunk = {};
  try {
    for await (const data of sseData(answer.body!)) {
      if (data.trim() === '[DONE]') break;
      const chunk = JSON.parse(data) as Chunk;
      last = chunk;
      for (const choice of chunk.choices ?? []) {
        const index = typeof choice.index === 'number' ? choice.index : 0;
        if (typeof choice.delta?.content === 'string') choice.delta.content = restorer.push(index, choice.delta.content);
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
          const rest = restorer.flush(index);
          if (rest.length > 0) choice.delta = { ...choice.delta, content: (typeof choice.delta?.content === 'string' ? choice.delta.content : '') + rest };
        }
      }
      send(JSON.stringify(chunk));
    }
    const held = restorer.held();
    if (held.length > 0) {
      send(JSON.stringify({ id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices: held.map((index) => ({ index, delta: { content: restorer.flush(index) }, finish_reason: null })) }));
    }
    send('[DONE]');
  } catch (error) {
    // Headers are gone: the failure travels as a last event, in the SURFACE error shape, never the provider's words.
    const code = isSluiceError(error) ? error.code : 'PROVIDER_UNAVAILABLE';
    send(JSON.stringify({ error: { code, message: 'the model provider stream failed' } }));
  } finally {
    raw.end();
  }
}
