import { deriveTransformKeys, type TransformKeys } from '../../gateway/desensitize/index.ts';

/** Two fixed transform key sets, for tests that compare what one key and another produce. */
export const keysA: TransformKeys = deriveTransformKeys(new Uint8Array(32).fill(0xa1));
export const keysB: TransformKeys = deriveTransformKeys(new Uint8Array(32).fill(0xb2));
