import { fail, SluiceError } from '../common/errors.ts';
import { checkRecord } from './format/index.ts';

/**
 * Checks a record and returns its RFC 8785 form, whose UTF-8 bytes are the Merkle leaf data.
 * Throws VALIDATION_FAILED for a malformed record, PAYLOAD_TOO_LARGE past MAX_RECORD_BYTES.
 */
export function canonicalRecord(value: unknown): string {
  const check = checkRecord(value);
  if (check.problem === undefined) return check.canonical;
  throw check.tooLarge ? new SluiceError('PAYLOAD_TOO_LARGE', check.problem) : fail.validation(check.problem);
}
