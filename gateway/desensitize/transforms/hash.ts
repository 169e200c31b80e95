import { createKeyedHash } from '../../../crypto/index.ts';
import type { HashAlg } from '../types.ts';
import { onText, type ValueTransform } from './values.ts';

/**
 * Lowercase hex HMAC of the value's text under the hash key. Never a bare hash: phones and IDs
 * are few enough to enumerate. The keyed-hash state is precomputed once per desensitizer.
 */
export function createHash(alg: HashAlg, key: Uint8Array): ValueTransform {
  const keyed = createKeyedHash(alg, key);
  return onText((text) => keyed.hex(text));
}
