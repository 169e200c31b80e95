import { createHash } from 'node:crypto';
import { randomToken } from '../../crypto/index.ts';

/** Party and admin bearer tokens; only their SHA-256 is ever stored. */
export function newToken(): string {
  return randomToken('slc_');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
