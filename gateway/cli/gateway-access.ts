import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ERROR_STATUS, SluiceError, type ErrorCode } from '../../common/errors.ts';
import { UsageError, type CliIO } from './command.ts';

export interface GatewayAccessOptions {
  gateway?: string | undefined;
  token?: string | undefined;
  'token-file'?: string | undefined;
}

/** `parseArgs` options of every command that talks to a gateway. */
export const GATEWAY_OPTIONS = {
  gateway: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
} as const;

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

/**
 * Parses a gateway command's arguments: the gateway options plus its own; bad arguments are
 * usage errors. Returns the gateway URL and token with the command's values and positionals.
 */
export function parseGatewayCommand<O extends OptionSpec>(io: CliIO, args: string[], own: O) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...GATEWAY_OPTIONS, ...own }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as GatewayAccessOptions & { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };
  return { base: gatewayUrl(io, values), token: gatewayToken(io, values), values, positionals: parsed.positionals };
}

/**
 * The bearer token a command sends: from `--token-file FILE` (first line) or `SLUICE_TOKEN`,
 * or `--token T` where a command allows it. A token on the command line is visible to every
 * user of the machine (`ps`), so commands that handle data never take one.
 */
export function gatewayToken(io: CliIO, options: GatewayAccessOptions): string {
  const sources = [options.token, options['token-file']].filter((v) => v !== undefined);
  if (sources.length > 1) throw new UsageError('give --token or --token-file, not both');
  if (options['token-file'] !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(io.cwd, options['token-file']), 'utf8');
    } catch {
      throw new UsageError('cannot read the --token-file');
    }
    const token = text.split(/\r?\n/)[0]?.trim();
    if (!token) throw new UsageError('the --token-file is empty');
    return token;
  }
  const token = options.token ?? io.env.SLUICE_TOKEN;
  if (!token) throw new UsageError('give the token in SLUICE_TOKEN or with --token-file FILE');
  return token;
}

/**
 * The token of a command that handles data (`sluice psi`, `sluice compute contribute`): from
 * `SLUICE_TOKEN` or `--token-file FILE`, never from argv.
 */
export function tokenOutOfArgv(io: CliIO, options: { token?: string | undefined; 'token-file'?: string | undefined }): string {
  if (options.token !== undefined) throw new UsageError('--token would show the token to every user of this machine (ps); set SLUICE_TOKEN or use --token-file FILE');
  return gatewayToken(io, { 'token-file': options['token-file'] });
}

/** The gateway's base URL: `--gateway URL` or `SLUICE_URL`. */
export function gatewayUrl(io: CliIO, options: GatewayAccessOptions, fallback?: string): URL {
  const raw = options.gateway ?? fallback ?? io.env.SLUICE_URL;
  if (!raw) throw new UsageError('give the gateway with --gateway URL or SLUICE_URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError('the gateway URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('the gateway URL must be http(s)');
  return url;
}

/**
 * One JSON call to the gateway. A refusal throws the gateway's SURFACE code and message (which
 * never carry secrets); the dispatcher prints it and exits 1.
 */
export async function gatewayCall(base: URL, token: string, method: 'GET' | 'POST', route: string, json?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(route, base), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch {
    throw new Error(`${base.origin} could not be reached`);
  }
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
  if (response.ok) return body;
  const { code, message } = body?.error ?? {};
  if (typeof code === 'string' && code in ERROR_STATUS) throw new SluiceError(code as ErrorCode, typeof message === 'string' ? message : 'refused by the gateway');
  throw new Error(`${base.origin} answered HTTP ${response.status}`);
}
