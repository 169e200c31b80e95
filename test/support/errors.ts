import { isSluiceError, type SluiceError } from '../../common/index.ts';

/** The SluiceError a promise rejects with; anything else fails the test. */
export async function caught(promise: Promise<unknown>): Promise<SluiceError> {
  try {
    await promise;
  } catch (error) {
    if (isSluiceError(error)) return error;
    throw error;
  }
  throw new Error('expected a SluiceError');
}

/**
 * A SluiceError's code, message and details as a plain object: `JSON.stringify` of it shows the
 * message too, which leak checks read.
 */
export type Thrown = { code: string; message: string; details: unknown };

const plain = ({ code, message, details }: SluiceError): Thrown => ({ code, message, details });

/** The SluiceError a call throws, for asserting code and details. */
export function thrown(fn: () => unknown): Thrown {
  try {
    fn();
  } catch (error) {
    if (isSluiceError(error)) return plain(error);
    throw error;
  }
  throw new Error('expected a SluiceError');
}

/** The SluiceError a promise rejects with, as `thrown` gives it. */
export async function rejected(promise: Promise<unknown>): Promise<Thrown> {
  return plain(await caught(promise));
}
