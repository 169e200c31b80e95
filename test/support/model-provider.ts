import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelProvider {
  /** The base URL to register as a party's `endpoint`. */
  url: string;
  /** Request bodies as the provider received them. */
  received: string[];
  close(): Promise<void>;
}

/**
 * A real loopback HTTP server answering OpenAI-style `POST /v1/chat/completions` with one fixed
 * (non-streamed) completion: enough for tests that need AI egress calls to happen, not to study them.
 */
export async function startModelProvider(): Promise<ModelProvider> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(body);
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return void res.writeHead(404).end();
      const { model } = JSON.parse(body) as { model: string };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1_700_000_000, model, choices: [{ index: 0, message: { role: 'assistant', content: '好的。' }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
