import { SluiceError } from '../../common/errors.ts';
import { decodeColumn, decodePublicKey } from './artifacts.ts';
import { canonicalSpec } from './encrypt.ts';
import type { ColumnSpec } from './operations.ts';

/**
 * Gateway side, on receiving a contributed column: it must be encrypted under this job's public
 * key and encoded for this job's operation, or the job would fail (or mean something else) later.
 * Returns the column's row count.
 */
export function verifyContribution(column: Uint8Array, publicKey: Uint8Array, spec: ColumnSpec): { n: number } {
  const key = decodePublicKey(publicKey);
  const decoded = decodeColumn(column);
  if (decoded.keyId !== key.keyId || decoded.scheme !== key.scheme) {
    throw new SluiceError('VALIDATION_FAILED', 'the column is not encrypted under this job key');
  }
  if (JSON.stringify(canonicalSpec(decoded.spec)) !== JSON.stringify(canonicalSpec(spec))) {
    throw new SluiceError('VALIDATION_FAILED', 'the column is encoded for another operation');
  }
  // A push-down contribution is its partial aggregates: one ciphertext (none for a count).
  if (spec.pushdown && decoded.ciphertexts.some((chunks) => chunks.length !== 1)) {
    throw new SluiceError('VALIDATION_FAILED', 'a push-down column is one ciphertext of partial aggregates');
  }
  return { n: decoded.n };
}
