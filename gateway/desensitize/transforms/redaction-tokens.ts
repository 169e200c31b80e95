import { constantTimeEqual, createBlockCipher, createKeyedHash } from '../../../crypto/index.ts';
import { ENTITY_KINDS, isEntityKind, type EntityKind } from '../../discovery/index.ts';
import { subKey } from '../keys.ts';

/**
 * Tokens of `redact` in token mode: `[KIND:body]`, where body is lowercase RFC 4648 base32 of
 * siv ‖ ciphertext — a deterministic authenticated encryption in the SIV style:
 * siv = first 8 bytes of HMAC-SM3(mac key, kind ‖ 0 ‖ value), ciphertext = value XOR SM4-CTR
 * keystream from counter blocks siv ‖ 0⁶⁴, siv ‖ 1, …. Equal values of one kind under one key give one token
 * (so a model can still tell that two mentions are the same person), different keys unrelated
 * ones; only the key holder can restore a token, and a forged or altered one restores to
 * nothing (the siv is its tag). Keys derive from the transform `tokenize` key, which the gateway
 * unwraps through the KMS per request (per contract by default).
 */
export interface RedactionTokens {
  token(kind: EntityKind, value: string): string;
  /** The value behind one token's body, or undefined if this key did not make it. */
  open(kind: EntityKind, body: string): string | undefined;
  /** `text` with every token this key made replaced by its value; other bracketed text is left alone. */
  restore(text: string): string;
}

const SIV_BYTES = 8;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
/** Longest token body restored: a 256-byte value. */
const MAX_BODY = Math.ceil(((256 + SIV_BYTES) * 8) / 5);

export const TOKEN_PATTERN = new RegExp(`\\[(${ENTITY_KINDS.map((k) => k.toUpperCase()).join('|')}):([a-z2-7]{${Math.ceil(((SIV_BYTES + 1) * 8) / 5)},${MAX_BODY}})\\]`, 'g');
/** Longest token text, for callers that hold back a possibly split token at a chunk boundary. */
export const MAX_TOKEN_CHARS = MAX_BODY + Math.max(...ENTITY_KINDS.map((k) => k.length)) + 3;

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return bits > 0 ? out + ALPHABET[(buffer << (5 - bits)) & 31] : out;
}

function unbase32(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const v = DECODE[text.charCodeAt(i)] ?? -1;
    if (v < 0) return undefined;
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >>> bits) & 0xff;
    }
  }
  // Canonical encodings only: leftover bits are zero.
  return (buffer & ((1 << bits) - 1)) === 0 ? out : undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function createRedactionTokens(tokenizeKey: Uint8Array): RedactionTokens {
  const mac = createKeyedHash('hmac-sm3', subKey(tokenizeKey, 'redact-siv', 32));
  const cipher = createBlockCipher('SM4', subKey(tokenizeKey, 'redact-ctr', 16));

  const siv = (kind: EntityKind, value: Uint8Array): Uint8Array => {
    const label = encoder.encode(kind);
    const input = new Uint8Array(label.length + 1 + value.length);
    input.set(label);
    input.set(value, label.length + 1);
    return mac.digest(input).subarray(0, SIV_BYTES);
  };
  // CTR by hand over the block cipher: values are a few blocks, where one call into OpenSSL per
  // token would cost more than the cipher itself (block.ts encrypts short inputs in TypeScript).
  const xorKeystream = (iv: Uint8Array, data: Uint8Array): Uint8Array => {
    const blocks = Math.ceil(data.length / 16);
    const counters = new Uint8Array(blocks * 16);
    for (let b = 0; b < blocks; b++) {
      counters.set(iv, b * 16);
      counters[b * 16 + 15] = b & 0xff;
      counters[b * 16 + 14] = (b >>> 8) & 0xff;
    }
    const stream = cipher.encryptBlocks(counters);
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ stream[i]!;
    return out;
  };

  const open = (kind: EntityKind, body: string): string | undefined => {
    const bytes = unbase32(body);
    if (bytes === undefined || bytes.length <= SIV_BYTES) return undefined;
    const iv = bytes.subarray(0, SIV_BYTES);
    const value = xorKeystream(iv, bytes.subarray(SIV_BYTES));
    if (!constantTimeEqual(siv(kind, value), iv)) return undefined;
    try {
      return decoder.decode(value);
    } catch {
      return undefined;
    }
  };

  return {
    token(kind, value) {
      const bytes = encoder.encode(value);
      const iv = siv(kind, bytes);
      const sealed = new Uint8Array(SIV_BYTES + bytes.length);
      sealed.set(iv);
      sealed.set(xorKeystream(iv, bytes), SIV_BYTES);
      return `[${kind.toUpperCase()}:${base32(sealed)}]`;
    },
    open,
    restore(text) {
      return text.replace(TOKEN_PATTERN, (whole, kind: string, body: string) => {
        const k = kind.toLowerCase();
        return isEntityKind(k) ? (open(k, body) ?? whole) : whole;
      });
    },
  };
}
