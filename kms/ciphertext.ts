import { SluiceError } from '../common/index.ts';

/**
 * Ciphertexts are self-describing strings: `sluice:v1:<keyVersion>:<base64url(nonce‖ct‖tag)>`.
 * The format tag lets the encoding evolve; the key id travels in the URL, and both it and the
 * version are also bound into the AEAD associated data, so editing either breaks the tag.
 */
export const CIPHERTEXT_FORMAT = 'sluice:v1';

const PATTERN = /^sluice:v1:([1-9][0-9]{0,8}):([A-Za-z0-9_-]+)$/;
/** 12-byte nonce plus 16-byte tag: anything shorter cannot be ours. */
const MIN_SEALED = 28;

export interface ParsedCiphertext {
  version: number;
  sealed: Uint8Array;
}

export function formatCiphertext(version: number, sealed: Uint8Array): string {
  return `${CIPHERTEXT_FORMAT}:${version}:${Buffer.from(sealed).toString('base64url')}`;
}

export function parseCiphertext(text: string): ParsedCiphertext {
  const match = PATTERN.exec(text);
  if (!match) throw malformed();
  const sealed = Buffer.from(match[2]!, 'base64url');
  // Reject non-canonical base64 (stray trailing bits) so one ciphertext has one spelling.
  if (sealed.length < MIN_SEALED || sealed.toString('base64url') !== match[2]) throw malformed();
  return { version: Number(match[1]), sealed: new Uint8Array(sealed) };
}

function malformed(): SluiceError {
  return new SluiceError('DECRYPT_FAILED', 'ciphertext is malformed');
}
