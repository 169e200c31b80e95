import { isSluiceError } from '../../common/index.ts';

/** What a failed job records: the SURFACE code and our own message, never a raw error text. */
export function failureReason(error: unknown): string {
  if (isSluiceError(error)) return `${error.code}: ${error.message}`;
  return 'INTERNAL: job failed';
}

/** Client errors (bad input, refused policy) fail at once; retrying cannot change them. */
export function isPermanent(error: unknown): boolean {
  return isSluiceError(error) && error.status < 500;
}
