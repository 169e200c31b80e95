import { SluiceError } from '../../common/index.ts';
import { aeadDecrypt, aeadEncrypt, canonicalBytes, randomBytes, sm2Decrypt, sm2Encrypt } from '../../crypto/index.ts';

export const PACKAGE_FORMAT = 'sluice.package.v1';
export const PACKAGE_ALG = 'SM2-SM4-GCM';

/** Everything but the ciphertext; authenticated as associated data, so none of it can be altered. */
export interface PackageHeader {
  format: typeof PACKAGE_FORMAT;
  transferId: string;
  contractId: string;
  recipientId: string;
  createdAt: string;
  records: number;
  encryption: { alg: typeof PACKAGE_ALG; encryptedKey: string; nonce: string };
}

export interface TransferPackage extends PackageHeader {
  ciphertext: string;
}

/**
 * Hybrid envelope to the recipient's SM2 key: a fresh SM4 key encrypts the NDJSON records
 * (GCM), and SM2 public-key encryption (GM/T 0003.4, C1C3C2) wraps that key. Only the holder
 * of the recipient's private key can open it; the platform never has that key.
 */
export function sealPackage(
  recipientPublicKey: string,
  meta: Omit<PackageHeader, 'format' | 'encryption'>,
  records: Uint8Array,
): Uint8Array {
  const key = randomBytes(16);
  const nonce = randomBytes(12);
  const header: PackageHeader = {
    format: PACKAGE_FORMAT,
    ...meta,
    encryption: {
      alg: PACKAGE_ALG,
      encryptedKey: Buffer.from(sm2Encrypt(recipientPublicKey, key)).toString('hex'),
      nonce: Buffer.from(nonce).toString('base64'),
    },
  };
  const ciphertext = aeadEncrypt('SM4-GCM', key, nonce, records, canonicalBytes(header));
  key.fill(0);
  const body: TransferPackage = { ...header, ciphertext: Buffer.from(ciphertext).toString('base64') };
  return new TextEncoder().encode(JSON.stringify(body));
}

export function openPackage(packageBytes: Uint8Array, privateKeyHex: string): { header: PackageHeader; records: Uint8Array } {
  let parsed: TransferPackage;
  try {
    parsed = JSON.parse(new TextDecoder().decode(packageBytes)) as TransferPackage;
  } catch {
    throw new SluiceError('VALIDATION_FAILED', 'not a Sluice package (invalid JSON)');
  }
  if (parsed?.format !== PACKAGE_FORMAT || parsed.encryption?.alg !== PACKAGE_ALG || typeof parsed.ciphertext !== 'string') {
    throw new SluiceError('VALIDATION_FAILED', `not a ${PACKAGE_FORMAT} package`);
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
