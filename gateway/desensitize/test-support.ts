import { isSluiceError } from '../../common/index.ts';
import { deriveTransformKeys } from './keys.ts';
import type { TransformKeys } from './types.ts';

export const keysA: TransformKeys = deriveTransformKeys(new Uint8Array(32).fill(0xa1));
export const keysB: TransformKeys = deriveTransformKeys(new Uint8Array(32).fill(0xb2));

type Thrown = { code: string; message: string; details: unknown };

const asThrown = (error: unknown): Thrown => {
  if (isSluiceError(error)) return { code: error.code, message: error.message, details: error.details };
  throw error;
};

/** The SluiceError a call throws, for asserting code and details. */
export function thrown(fn: () => unknown): Thrown {
  try {
    fn();
  } catch (error) {
    return asThrown(error);
  }
  throw new Error('expected a SluiceError');
}

/** The SluiceError a promise rejects with. */
export async function rejected(promise: Promise<unknown>): Promise<Thrown> {
  try {
    await promise;
  } catch (error) {
    return asThrown(error);
  }
  throw new Error('expected a SluiceError');
}
