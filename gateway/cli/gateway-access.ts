import fs from 'node:fs';
import path from 'node:path';
import { UsageError, type CliIO } from './command.ts';

export interface GatewayAccessOptions {
  gateway?: string | undefined;
  token?: string | undefined;
  'token-file'?: string | undefined;
}

/** `parseArgs` options of every command that talks to a gateway. */
export const GATEWAY_OPTIONS = {
  gateway: { type: 'string' },
  'token-file': { type: 'string' },
} as const;

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
