import { randomBytes } from 'node:crypto';

export type IdPrefix = 'pty' | 'ds' | 'upl' | 'ctr' | 'trf' | 'job' | 'rec' | 'egr' | 'tok';

/** Opaque ids: a readable kind prefix and 128 random bits. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

export const ID_PATTERN = '^[a-z]{2,3}_[0-9a-f]{32}$';
