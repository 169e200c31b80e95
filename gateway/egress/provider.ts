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
