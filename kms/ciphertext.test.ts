import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../common/index.ts';
import { formatCiphertext, parseCiphertext } from './ciphertext.ts';

function refusal(text: string): string | undefined {
  try {
    parseCiphertext(text);
    return undefined;
  } catch (error) {
    return isSluiceError(error) ? error.code : 'other';
  }
}

describe('ciphertext format', () => {
  const sealed = Uint8Array.from({ length: 46 }, (_, i) => (i * 37) & 0xff);

  it('round-trips version and sealed bytes', () => {
    const text = formatCiphertext(12, sealed);
    expect(text).toMatch(/^sluice:v1:12:[A-Za-z0-9_-]{62}$/);
    expect(parseCiphertext(text)).toEqual({ version: 12, sealed });
  });

  it('refuses every other spelling with DECRYPT_FAILED', () => {
    // 46 bytes end in a lone byte, whose second base64 character carries 4 unused bits.
    const body = formatCiphertext(1, sealed).split(':')[3]!;
    const last = body.at(-1)!;
    const sibling = String.fromCharCode(last.charCodeAt(0) + 1);
    for (const text of [
      '',
      `sluice:v1:1:`,
      `sluice:v2:1:${body}`,
      `sluice:v1:01:${body}`,
      `sluice:v1:0:${body}`,
      `sluice:v1:-1:${body}`,
      `sluice:v1:1234567890:${body}`,
      `sluice:v1:1:${body}=`,
      `sluice:v1:1:${body.replace(/.$/, sibling)}`,
      `sluice:v1:1:${Buffer.from(sealed).toString('base64')}+/`,
      `sluice:v1:1:${Buffer.from(sealed.subarray(0, 27)).toString('base64url')}`,
      ` sluice:v1:1:${body}`,
      `sluice:v1:1:${body}\n`,
    ]) {
      expect(refusal(text), JSON.stringify(text)).toBe('DECRYPT_FAILED');
    }
  });
});
