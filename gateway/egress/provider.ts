import { SluiceError } from '../../common/index.ts';

/** How long a provider may take to answer (a long completion streams well within it). */
const PROVIDER_TIMEOUT_MS = 120_000;
/** The most a non-streamed answer may hold. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

const unavailable = (details: Record<string, unknown>, cause?: unknown) =>
  new SluiceError('PROVIDER_UNAVAILABLE', 'the model provider did not answer successfully', details, cause === undefined ? undefined : { cause });

/**
 * One call to an OpenAI-compatible `chat/completions` endpoint. Redirects are refused (the
 * contract names this endpoint, not wherever it points), and the provider's error bodies are
 * never passed on: they may quote the (redacted) prompt back, and they are the provider's words.
 */
export async function callProvider(endpoint: string, body: string, authorization: string | undefined): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${endpoint}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(authorization ? { authorization } : {}),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
  } catch (error) {
    throw unavailable({ reason: 'unreachable' }, error);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw unavailable({ status: response.status });
  }
  return response;
}

export async function readAnswer(response: Response): Promise<unknown> {
  const text = await response.text();
  if (Buffer.byteLength(text) > MAX_ANSWER_BYTES) throw unavailable({ reason: 'answer too large' });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw unavailable({ reason: 'answer is not JSON' });
  }
}

/**
 * The `data:` payloads of a server-sent event stream, in order (comments and other fields
 * skipped; multi-line data joined with newlines, per the SSE specification).
 */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1);
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line[5] === ' ' ? 6 : 5));
      }
    }
  }
  if (data.length > 0) yield data.join('\n');
}
