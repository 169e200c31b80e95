import { fail } from '../../common/errors.ts';
import { hkdf } from '../../crypto/index.ts';
import type { TransformKeys } from './types.ts';

const SALT = new TextEncoder().encode('sluice/desensitize/v1');
const KEY_BYTES = 32;
const MIN_SECRET_BYTES = 16;

/**
 * One key per keyed transform from one secret (HKDF-SM3, distinct info labels), so a hash
 * output says nothing about tokens or canaries. The secret is per contract by default, or per
 * owner for `scope: "owner"`; the CLI reads it from a key file.
 */
export function deriveTransformKeys(secret: Uint8Array): TransformKeys {
  if (secret.length < MIN_SECRET_BYTES) throw fail.validation('transform secret must be at least 16 bytes');
  const derive = (label: string): Uint8Array => hkdf('sm3', secret, SALT, `sluice:${label}`, KEY_BYTES);
  return Object.freeze({
    hash: derive('hash'),
    simulate: derive('simulate'),
    tokenize: derive('tokenize'),
    fingerprint: derive('fingerprint'),
  });
}

/** A sub-key of one transform key for one purpose (a cipher, a recipient). */
export function subKey(key: Uint8Array, label: string, length: number): Uint8Array {
  return hkdf('sm3', key, SALT, label, length);
}

/** The fingerprint key for one recipient when one owner secret serves many (the CLI case). */
export function recipientFingerprintKey(keys: TransformKeys, recipientId: string): Uint8Array {
  return subKey(keys.fingerprint, `recipient:${recipientId}`, KEY_BYTES);
}

/** Reads a CLI key file's JSON `{"secret": "<64 hex>"}`. */
export function secretFromKeyFile(json: unknown): Uint8Array {
  const secret = (json as { secret?: unknown } | null)?.secret;
  if (typeof secret !== 'string' || !/^[0-9a-fA-F]{64}$/.test(secret)) {
    throw fail.validation('key file must hold {"secret": "<64 hex characters>"}');
  }
  return Uint8Array.from(Buffer.from(secret, 'hex'));
}
