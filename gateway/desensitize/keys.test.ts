import { describe, expect, it } from 'vitest';
import { hkdf } from '../../crypto/index.ts';
import { thrown } from '../../test/support/errors.ts';
import { deriveTransformKeys, recipientFingerprintKey, secretFromKeyFile } from './keys.ts';

describe('deriveTransformKeys', () => {
  const secret = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex'));

  it('derives one distinct 32-byte key per purpose with HKDF-SM3', () => {
    const keys = deriveTransformKeys(secret);
    const all = [keys.hash, keys.simulate, keys.tokenize, keys.fingerprint].map((k) => Buffer.from(k).toString('hex'));
    expect(new Set(all).size).toBe(4);
    expect(all.every((k) => k.length === 64)).toBe(true);
    expect(keys.hash).toEqual(hkdf('sm3', secret, new TextEncoder().encode('sluice/desensitize/v1'), 'sluice:hash', 32));
    expect(deriveTransformKeys(secret)).toEqual(keys);
  });

  it('gives each recipient its own fingerprint key', () => {
    const keys = deriveTransformKeys(secret);
    expect(recipientFingerprintKey(keys, 'acme')).not.toEqual(recipientFingerprintKey(keys, 'globex'));
  });

  it('refuses short secrets and malformed key files without echoing them', () => {
    expect(thrown(() => deriveTransformKeys(new Uint8Array(8))).code).toBe('VALIDATION_FAILED');
    expect(secretFromKeyFile({ secret: 'ab'.repeat(32) })).toEqual(new Uint8Array(32).fill(0xab));
    const err = thrown(() => secretFromKeyFile({ secret: 'SECRET-abc' }));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).not.toContain('SECRET');
  });
});
