import { isSluiceError } from '../../common/index.ts';
import { deriveTransformKeys } from './keys.ts';
import type { TransformKeys } from './types.ts';

export const keysA: TransformKeys = deriveTransformKeys(new Uint8Array(32).fill(0xa1));
export const keysB: TransformKeys = deriveTransformKeys(new Uint8Array(32).fill(0xb2));

/** The SluiceError a call throws, for asserting code and details. */
export function thrown(fn: () => unknown): { code: string; message: string; details: unknown } {
  try {
    fn();
  } catch (error) {
    if (isSluiceError(error)) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected a SluiceError');
}
