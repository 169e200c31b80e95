import { ERROR_STATUS, SluiceError, type ErrorCode } from '../../common/errors.ts';
import { UsageError } from './command.ts';

/** Where a people-facing command finds its gateway: `--gateway URL --token T`, else SLUICE_URL / SLUICE_TOKEN. */
export function gatewayTarget(values: { gateway?: string | undefined; token?: string | undefined }, env: Record<string, string | undefined>): { url: string; token: string } {
  const url = values.gateway ?? env.SLUICE_URL;
  const token = values.token ?? env.SLUICE_TOKEN;
  if (!url || !token) throw new UsageError('give --gateway URL and --token T (or set SLUICE_URL and SLUICE_TOKEN)');
  try {
    new URL(url);
  } catch {
    throw new UsageError('--gateway must be a URL such as http://127.0.0.1:8080');
  }
  return { url: url.replace(/\/+$/, ''), token };
}

/**
 * JSON over the gateway's HTTP API as one party. Refusals become `SluiceError`s with the
 * gateway's SURFACE code and message (which never carry values); the token is sent in the
 * Authorization header only and never printed.
 */
export class GatewayClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async send(method: string, path: string, options: { json?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, ...options.headers };
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.url + path, { method, headers, ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}) });
    } catch (cause) {
      throw new SluiceError('INTERNAL', `the gateway at ${this.url} could not be reached`, undefined, { cause });
    }
    if (response.ok) return response;
    const payload = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    const code = payload?.error?.code;
    if (code && code in ERROR_STATUS) throw new SluiceError(code as ErrorCode, payload?.error?.message ?? 'refused by the gateway');
    throw new SluiceError('INTERNAL', `the gateway answered HTTP ${response.status}`);
  }

  async get<T>(path: string): Promise<T> {
    return (await (await this.send('GET', path)).json()) as T;
  }

  async post<T>(path: string, json?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }> {
    const response = await this.send('POST', path, { ...(json !== undefined ? { json } : {}), ...(headers ? { headers } : {}) });
    return { status: response.status, body: (await response.json()) as T };
  }
}
