/** A refusal from the gateway, with its SURFACE code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The gateway's HTTP API for one signed-in party. The token travels only in the Authorization header. */
export class Api {
  constructor(private readonly token: string) {}

  private async call(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
    } catch {
      throw new ApiError(0, 'UNREACHABLE', 'the gateway did not answer');
    }
    if (response.ok) return response;
    const payload = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    throw new ApiError(response.status, payload?.error?.code ?? `HTTP_${response.status}`, payload?.error?.message ?? response.statusText);
  }

  async get<T>(path: string): Promise<T> {
    return (await (await this.call('GET', path)).json()) as T;
  }

  async post<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await this.call('POST', path, body);
    return { status: response.status, body: (await response.json()) as T };
  }

  async text(path: string, accept: string): Promise<string> {
    return (await this.call('GET', path, undefined, accept)).text();
  }

  async blob(path: string): Promise<Blob> {
    return (await this.call('GET', path, undefined, '*/*')).blob();
  }
}

/** Query string of the defined members. */
export function query(params: Record<string, string | undefined>): string {
  const defined = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '');
  return defined.length === 0 ? '' : `?${new URLSearchParams(defined).toString()}`;
}

/** Saves a blob as a file through a temporary object URL (no navigation, nothing in the address bar). */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
