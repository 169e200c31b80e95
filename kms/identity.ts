import fs from 'node:fs';
import path from 'node:path';
import { createKeyedHash, constantTimeEqual, randomToken, sm3 } from '../crypto/index.ts';
import type { Logger } from '../common/index.ts';
import type { Caller } from './types.ts';

/**
 * The compute worker's token, derived from the service token so the supervisor can hand it to
 * workers without handing them the service token (which the worker cannot reverse).
 */
export function deriveWorkerToken(serviceToken: string): string {
  return createKeyedHash('hmac-sha256', new TextEncoder().encode(serviceToken)).hex('sluice-worker');
}

/** RFC 7235: the scheme name is case-insensitive. */
const BEARER = /^bearer +(\S+) *$/i;

/** Maps bearer tokens to callers; only digests are kept and compared, in constant time. */
export class Identities {
  readonly #known: Array<{ digest: Uint8Array; caller: Caller }>;

  constructor(serviceToken: string) {
    this.#known = [
      { digest: sm3(serviceToken), caller: 'service' },
      { digest: sm3(deriveWorkerToken(serviceToken)), caller: 'worker' },
    ];
  }

  resolve(authorization: string | undefined): Caller | undefined {
    const token = typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] : undefined;
    if (token === undefined) return undefined;
    const digest = sm3(token);
    let found: Caller | undefined;
    for (const entry of this.#known) if (constantTimeEqual(entry.digest, digest)) found = entry.caller;
    return found;
  }
}

/**
 * `SLUICE_KMS_TOKEN` when set (the supervisor always sets it). A standalone KMS without one
 * generates a token once and keeps it in `tokenFile` (0600) so restarts keep their clients;
 * only the path is ever logged.
 */
export function resolveServiceToken(configured: string | undefined, tokenFile: string, logger: Logger): string {
  if (configured !== undefined) return configured;
  let stored: string | undefined;
  try {
    stored = fs.readFileSync(tokenFile, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (stored !== undefined) {
    if (stored.length === 0) throw new Error(`service token file ${tokenFile} is empty; delete it or set SLUICE_KMS_TOKEN`);
    logger.info({ tokenFile }, 'using the service token stored in the data directory');
    return stored;
  }
  const token = randomToken('kms_');
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true, mode: 0o700 });
  fs.writeFileSync(tokenFile, token + '\n', { mode: 0o600, flag: 'wx' });
  logger.warn({ tokenFile }, 'SLUICE_KMS_TOKEN is not set; generated a service token and stored it in the data directory');
  return token;
}
