import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server speaking the OpenAI chat-completions protocol, started by the test. It
 * answers by quoting the user's last message back ("已记录：…"), so the tokens Sluice sent
 * return in the answer; streamed answers come in 5-character pieces, so tokens arrive split.
 */
export interface ModelProvider {
  /** The base URL to register as a party's `endpoint`. */
  url: string;
  /** Request bodies and headers as the provider received them. */
  bodies: string[];
  headers: http.IncomingHttpHeaders[];
  /** Answer the next request with a 500 whose body quotes the prompt back. */
  failNext: boolean;
  close(): Promise<void>;
}

export async function startModelProvider(): Promise<ModelProvider> {
  const state: ModelProvider = { url: '', bodies: [], headers: [], failNext: false, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      state.bodies.push(raw);
      state.headers.push(req.headers);
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return void res.writeHead(404).end();
      if (state.failNext) {
        state.failNext = false;
        // An error body quoting the prompt back, as some providers do: it must not reach the caller.
        return void res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `bad prompt: ${raw}` } }));
      }
      const body = JSON.parse(raw) as { model: string; stream?: boolean; messages: { role: string; content: string }[] };
      const answer = `已记录：${body.messages.filter((m) => m.role === 'user').at(-1)!.content}`;
      const base = { id: 'chatcmpl-test', created: 1_700_000_000, model: body.model };
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 } }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }, null));
      for (let i = 0; i < answer.length; i += 5) res.write(chunk({ content: answer.slice(i, i + 5) }, null));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
