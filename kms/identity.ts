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
    if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return undefined;
    const digest = sm3(authorization.slice('Bearer '.length));
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
  try {
    const stored = fs.readFileSync(tokenFile, 'utf8').trim();
    if (stored.length > 0) {
      logger.info({ tokenFile }, 'using the service token stored in the data directory');
      return stored;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomToken('kms_');
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true, mode: 0o700 });
  fs.writeFileSync(tokenFile, token + '\n', { mode: 0o600, flag: 'wx' });
  logger.warn({ tokenFile }, 'SLUICE_KMS_TOKEN is not set; generated a service token and stored it in the data directory');
  return token;
}
