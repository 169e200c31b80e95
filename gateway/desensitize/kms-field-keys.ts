import { randomUUID } from 'node:crypto';
import { fail } from '../../common/errors.ts';
import type { KmsClient } from '../../kms/index.ts';
import type { FieldDataKey } from './transforms/field-encryption.ts';
import type { EncryptAlg } from './types.ts';

/** How to get one data key back from the KMS: what a field-keys sidecar file lists. */
export interface WrappedFieldKey {
  /** The key reference written into every field ciphertext made with this data key. */
  keyRef: string;
  alg: EncryptAlg;
  kmsKeyId: string;
  /** The data key wrapped by the KMS key; only the KMS can unwrap it. */
  wrappedKey: string;
  /** The encryption context the KMS bound the wrapped key to; decrypt must present it again. */
  context: { purpose: string; keyRef: string };
}

export interface FieldKeySidecar {
  format: 'sluice-field-keys/v1';
  kms: string;
  keys: WrappedFieldKey[];
}

const DATA_KEY_BYTES: Record<EncryptAlg, number> = { SM4: 16, 'AES-256-GCM': 32 };
const PURPOSE = 'sluice-desensitize';

export interface KmsFieldKeys {
  dataKeys: FieldDataKey[];
  sidecar: FieldKeySidecar;
  /** Zeroes the plaintext data keys once the run is over. */
  wipe(): void;
}

/**
 * Fresh data keys from the KMS for the `encrypt` algorithms a policy uses, one KMS key per
 * algorithm (created unless `kmsKeyId` names one). The plaintext keys live only in memory;
 * the sidecar keeps the wrapped keys, so the output is decryptable through the KMS and only there.
 */
export async function kmsFieldKeys(client: KmsClient, kmsUrl: string, algs: readonly EncryptAlg[], kmsKeyId?: string): Promise<KmsFieldKeys> {
  const dataKeys: FieldDataKey[] = [];
  const keys: WrappedFieldKey[] = [];
  for (const alg of new Set(algs)) {
    const keyId = kmsKeyId ?? (await client.createKey(alg, { purpose: PURPOSE })).keyId;
    const keyRef = randomUUID();
    const context = { purpose: PURPOSE, keyRef };
    const dataKey = await client.dataKey(keyId, context, { bytes: DATA_KEY_BYTES[alg] });
    dataKeys.push({ alg, key: dataKey.plaintext, keyRef });
    keys.push({ keyRef, alg, kmsKeyId: keyId, wrappedKey: dataKey.ciphertext, context });
  }
  return {
    dataKeys,
    sidecar: { format: 'sluice-field-keys/v1', kms: kmsUrl, keys },
    wipe: () => dataKeys.forEach((d) => d.key.fill(0)),
  };
}

/** The owner side: unwraps a sidecar's data keys through the KMS, for `decryptField`. */
export async function unwrapFieldKeys(client: KmsClient, sidecar: FieldKeySidecar): Promise<(keyRef: string) => Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  for (const key of sidecar.keys) keys.set(key.keyRef, await client.decrypt(key.kmsKeyId, key.wrappedKey, key.context));
  return (keyRef) => {
    const key = keys.get(keyRef);
    if (key === undefined) throw fail.validation('no data key for this key reference');
    return key;
  };
}
