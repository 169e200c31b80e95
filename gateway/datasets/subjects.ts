import { createKeyedHash, hkdf } from '../../crypto/index.ts';
import { SUBJECT_BYTES } from '../compliance/index.ts';
import type { DataRecord } from './records.ts';

/**
 * The owner's subject-counting key, derived from the KMS-held owner secret: compliance counts
 * persons by HMAC-SM3 of the subject field under it, so no store ever holds an identifier.
 */
export function subjectCountingKey(ownerSecret: Uint8Array): Uint8Array {
  return hkdf('sm3', ownerSecret, new Uint8Array(0), 'sluice.subject-count.v1', 32);
}

/**
 * Per record, the first SUBJECT_BYTES of HMAC-SM3(key, subject), back to back; all zero bytes
 * where a record has no subject (a keyed hash is all zero with probability 2^-128). Stored beside
 * each chunk at upload, so a transfer is counted and cleared before any key is unwrapped.
 */
export function hashSubjects(records: readonly DataRecord[], field: string, key: Uint8Array): Uint8Array {
  const hash = createKeyedHash('hmac-sm3', key);
  const out = new Uint8Array(records.length * SUBJECT_BYTES);
  records.forEach((record, i) => {
    const value = record[field];
    if (value !== null && value !== undefined) out.set(hash.digest(String(value)).subarray(0, SUBJECT_BYTES), i * SUBJECT_BYTES);
  });
  return out;
}
