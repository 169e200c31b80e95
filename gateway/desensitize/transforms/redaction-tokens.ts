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
  /** The same, with how many tokens were restored per kind and how many token-shaped spans were not (forged, altered, another key's). */
  restoreWithDetails(text: string): TokenRestoration;
}

export interface TokenRestoration {
  text: string;
  restored: Partial<Record<EntityKind, number>>;
  unrestored: number;
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

const ALPHABET_CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));

function base32(bytes: Uint8Array): string {
  const codes = new Array<number>(Math.ceil((bytes.length * 8) / 5));
  let o = 0;
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    buffer = ((buffer << 8) | bytes[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      codes[o++] = ALPHABET_CODES[(buffer >>> bits) & 31]!;
    }
  }
  if (bits > 0) codes[o++] = ALPHABET_CODES[(buffer << (5 - bits)) & 31]!;
  return String.fromCharCode.apply(null, codes);
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

const decoder = new TextDecoder('utf-8', { fatal: true });
const LABELS = Object.fromEntries(ENTITY_KINDS.map((kind) => [kind, Uint8Array.from(kind, (c) => c.charCodeAt(0))])) as Record<EntityKind, Uint8Array>;
const OPENINGS = Object.fromEntries(ENTITY_KINDS.map((kind) => [kind, `[${kind.toUpperCase()}:`])) as Record<EntityKind, string>;

/**
 * `text` as UTF-8 into `out` from `at` (room for 3 bytes per UTF-16 unit), as TextEncoder
 * writes it — lone surrogates as U+FFFD — without its call into C++, which costs more than a
 * short value. Returns the end.
 */
function utf8Into(text: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[at++] = c;
    } else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const low = text.charCodeAt(i + 1);
        if (c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
          out[at++] = 0xf0 | (point >> 18);
          out[at++] = 0x80 | ((point >> 12) & 0x3f);
          out[at++] = 0x80 | ((point >> 6) & 0x3f);
          out[at++] = 0x80 | (point & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 0x3f);
      out[at++] = 0x80 | (c & 0x3f);
    }
  }
  return at;
}

export function createRedactionTokens(tokenizeKey: Uint8Array): RedactionTokens {
  const mac = createKeyedHash('hmac-sm3', subKey(tokenizeKey, 'redact-siv', 32));
  const cipher = createBlockCipher('SM4', subKey(tokenizeKey, 'redact-ctr', 16));
  // kind ‖ 0 ‖ value, the MAC's input, built in place.
  let input = new Uint8Array(256);
  const sivInput = (kind: EntityKind, valueLength: number): number => {
    const label = LABELS[kind];
    if (input.length < label.length + 1 + valueLength) {
      const grown = new Uint8Array(2 * (label.length + 1 + valueLength));
      grown.set(input);
      input = grown;
    }
    for (let i = 0; i < label.length; i++) input[i] = label[i]!;
    input[label.length] = 0;
    return label.length + 1;
  };
  const siv = (kind: EntityKind, value: Uint8Array): Uint8Array => {
    const at = sivInput(kind, value.length);
    input.set(value, at);
    return mac.digest(input.subarray(0, at + value.length)).subarray(0, SIV_BYTES);
  };
  // CTR by hand over the block cipher: values are a few blocks, where one call into OpenSSL per
  // token would cost more than the cipher itself (block.ts encrypts short inputs in TypeScript).
  const keystream = (iv: Uint8Array, length: number): Uint8Array => {
    const blocks = Math.ceil(length / 16);
    const counters = new Uint8Array(blocks * 16);
    for (let b = 0; b < blocks; b++) {
      for (let i = 0; i < SIV_BYTES; i++) counters[b * 16 + i] = iv[i]!;
      counters[b * 16 + 15] = b & 0xff;
      counters[b * 16 + 14] = (b >>> 8) & 0xff;
    }
    return cipher.encryptBlocks(counters);
  };
  const xorKeystream = (iv: Uint8Array, data: Uint8Array): Uint8Array => {
    const stream = keystream(iv, data.length);
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

  const restoreWithDetails = (text: string): TokenRestoration => {
    const details: TokenRestoration = { text: '', restored: {}, unrestored: 0 };
    details.text = text.replace(TOKEN_PATTERN, (whole, kind: string, body: string) => {
      const k = kind.toLowerCase();
      const value = isEntityKind(k) ? open(k, body) : undefined;
      if (value === undefined) {
        details.unrestored++;
        return whole;
      }
      details.restored[k as EntityKind] = (details.restored[k as EntityKind] ?? 0) + 1;
      return value;
    });
    return details;
  };

  return {
    token(kind, value) {
      // The value goes straight into the MAC input after its label; the sealed body is built from there.
      const at = sivInput(kind, value.length * 3);
      const end = utf8Into(value, input, at);
      const iv = mac.digest(input.subarray(0, end));
      const length = end - at;
      const sealed = new Uint8Array(SIV_BYTES + length);
      for (let i = 0; i < SIV_BYTES; i++) sealed[i] = iv[i]!;
      const stream = keystream(iv, length);
      for (let i = 0; i < length; i++) sealed[SIV_BYTES + i] = input[at + i]! ^ stream[i]!;
      return OPENINGS[kind] + base32(sealed) + ']';
    },
    open,
    restore: (text) => restoreWithDetails(text).text,
    restoreWithDetails,
  };
}
