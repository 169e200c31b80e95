import { SluiceError } from '../../common/index.ts';
import { aeadDecrypt, canonicalBytes, sm2Decrypt } from '../../crypto/index.ts';

export const PACKAGE_V1_FORMAT = 'sluice.package.v1';
const PACKAGE_V1_ALG = 'SM2-SM4-GCM';

/** Everything but the ciphertext; authenticated as associated data, so none of it can be altered. */
export interface PackageV1Header {
  format: typeof PACKAGE_V1_FORMAT;
  transferId: string;
  contractId: string;
  recipientId: string;
  createdAt: string;
  records: number;
  encryption: { alg: typeof PACKAGE_V1_ALG; encryptedKey: string; nonce: string };
}

/**
 * Opens a package of the first format, one JSON object (docs/ARCHITECTURE.md): an SM4 key
 * wrapped to the recipient's SM2 key encrypts the whole NDJSON in one SM4-GCM message whose
 * associated data is the canonical JSON of every other member. Gateways no longer write it;
 * `sluice open` still reads it.
 */
export function openPackageV1(packageBytes: Uint8Array, privateKeyHex: string): { header: PackageV1Header; records: Uint8Array } {
  let parsed: PackageV1Header & { ciphertext: string };
  try {
    parsed = JSON.parse(new TextDecoder().decode(packageBytes)) as typeof parsed;
  } catch {
    throw new SluiceError('VALIDATION_FAILED', 'not a Sluice package (invalid JSON)');
  }
  if (parsed?.format !== PACKAGE_V1_FORMAT || parsed.encryption?.alg !== PACKAGE_V1_ALG || typeof parsed.ciphertext !== 'string') {
    throw new SluiceError('VALIDATION_FAILED', 'not a Sluice package');
  }
  const { ciphertext, ...header } = parsed;
  let key: Uint8Array;
  try {
    key = sm2Decrypt(privateKeyHex, Buffer.from(header.encryption.encryptedKey, 'hex'));
  } catch {
    throw new SluiceError('DECRYPT_FAILED', 'the package key does not open with this private key');
  }
  try {
    const records = aeadDecrypt('SM4-GCM', key, Buffer.from(header.encryption.nonce, 'base64'), Buffer.from(ciphertext, 'base64'), canonicalBytes(header));
    return { header, records };
  } catch {
    throw new SluiceError('DECRYPT_FAILED', 'the package failed authentication (altered, or not for this key)');
  } finally {
    key.fill(0);
  }
}
