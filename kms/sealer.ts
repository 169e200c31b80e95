import type { KmsClient } from './client.ts';
import type { EncryptionContext } from './types.ts';

/**
 * Seals a small secret another component must keep in a shared database (the embedded ledger's
 * operator key): each under a KMS key of its own, bound to its encryption context, so the
 * database holds only ciphertext and opening it is a KMS call the KMS audits.
 */
export function kmsSealer(client: Pick<KmsClient, 'createKey' | 'encrypt' | 'decrypt'>, purpose: string) {
  return {
    async seal(plaintext: Uint8Array, context: EncryptionContext): Promise<{ keyId: string; ciphertext: string }> {
      const { keyId } = await client.createKey('SM4', { purpose });
      return { keyId, ciphertext: await client.encrypt(keyId, plaintext, context) };
    },
    unseal: (keyId: string, ciphertext: string, context: EncryptionContext): Promise<Uint8Array> => client.decrypt(keyId, ciphertext, context),
  };
}
