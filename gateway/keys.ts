import type { KeyService } from './context.ts';

/**
 * A new data key, kept only in its KMS-wrapped form: the plaintext is wiped at once and
 * unwrapped again, per request, when it is needed.
 */
export async function newWrappedKey(kms: KeyService, keyId: string, context: Record<string, string>): Promise<string> {
  const key = await kms.dataKey(keyId, context);
  key.plaintext.fill(0);
  return key.ciphertext;
}
