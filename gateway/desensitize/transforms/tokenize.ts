import { ff1 } from '../../../crypto/index.ts';
import { subKey } from '../keys.ts';
import type { TokenizeAlg } from '../types.ts';
import { onText, UNUSABLE, type ValueTransform } from './values.ts';

/**
 * Character classes a token preserves position by position. Everything else (separators,
 * punctuation, emoji, other scripts) stays in place unchanged and is part of the tweak.
 */
interface CharClass {
  code: string;
  radix: number;
  index(c: number): number;
  char(i: number): number;
}

const CLASSES: readonly CharClass[] = [
  { code: 'D', radix: 10, index: (c) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : -1), char: (i) => 0x30 + i },
  { code: 'U', radix: 26, index: (c) => (c >= 0x41 && c <= 0x5a ? c - 0x41 : -1), char: (i) => 0x41 + i },
  { code: 'L', radix: 26, index: (c) => (c >= 0x61 && c <= 0x7a ? c - 0x61 : -1), char: (i) => 0x61 + i },
  // CJK Unified Ideographs: Chinese names and words tokenize to Chinese characters.
  { code: 'H', radix: 0x9fff - 0x4e00 + 1, index: (c) => (c >= 0x4e00 && c <= 0x9fff ? c - 0x4e00 : -1), char: (i) => 0x4e00 + i },
];

/** SP 800-38G Rev. 1: radix^length ≥ 10^6. Smaller domains are enumerable, so such values are refused. */
const MIN_DOMAIN = 1_000_000n;
/** Identifiers, not free text: FF1 cost grows with length, and long text is no identifier. */
export const MAX_TOKENIZE_CHARS = 256;

interface Layout {
  /** Per tokenized position: index into the text and its class. */
  positions: number[];
  classes: CharClass[];
  values: number[];
  tweak: Uint8Array;
}

const encoder = new TextEncoder();

function layoutOf(text: string): Layout | undefined {
  const positions: number[] = [];
  const classes: CharClass[] = [];
  const values: number[] = [];
  let shape = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let found = false;
    for (const cls of CLASSES) {
      const v = cls.index(c);
      if (v >= 0) {
        positions.push(i);
        classes.push(cls);
        values.push(v);
        shape += cls.code;
        found = true;
        break;
      }
    }
    if (!found) shape += text[i];
  }
  if (positions.length === 0 || positions.length > MAX_TOKENIZE_CHARS) return undefined;
  return { positions, classes, values, tweak: encoder.encode(shape) };
}

function domainOf(classes: readonly CharClass[]): bigint {
  let d = 1n;
  for (const cls of classes) d *= BigInt(cls.radix);
  return d;
}

function toBits(x: bigint, length: number): number[] {
  const bits = new Array<number>(length);
  for (let i = length - 1; i >= 0; i--, x >>= 1n) bits[i] = Number(x & 1n);
  return bits;
}

function fromBits(bits: readonly number[]): bigint {
  let x = 0n;
  for (const b of bits) x = (x << 1n) | BigInt(b);
  return x;
}

export interface Tokenizer {
  tokenize(text: string): string | undefined;
  detokenize(token: string): string | undefined;
}

/**
 * Format-preserving, deterministic, reversible tokens (NIST SP 800-38G FF1 over SM4 or AES).
 * Digits stay digits, capitals capitals, lower case lower case, CJK ideographs CJK; other
 * characters stay where they are. A value of one class is one FF1 call in that radix (phones,
 * IDs, card numbers: radix 10). Mixed classes are numbered in mixed radix and encrypted with
 * FF1 in radix 2 over the bit length of that domain, cycle-walking until the result falls back
 * inside it (fewer than two rounds on average), so each position keeps its class. The tweak is
 * the value's shape, so one number written two ways gives two unrelated tokens.
 * Values whose domain is below 10^6, longer than MAX_TOKENIZE_CHARS, or without a single
 * tokenizable character give undefined: they cannot be tokenized safely.
 */
export function createTokenizer(alg: TokenizeAlg, tokenizeKey: Uint8Array): Tokenizer {
  const cipherName = alg === 'FF1-AES' ? 'AES' : 'SM4';
  const key = subKey(tokenizeKey, alg === 'FF1-AES' ? 'ff1-aes-256' : 'ff1-sm4', alg === 'FF1-AES' ? 32 : 16);
  const ciphers = new Map<number, ReturnType<typeof ff1>>();
  const cipherFor = (radix: number) => {
    let c = ciphers.get(radix);
    if (c === undefined) ciphers.set(radix, (c = ff1(cipherName, key, radix)));
    return c;
  };

  const run = (text: string, decrypting: boolean): string | undefined => {
    const layout = layoutOf(text);
    if (layout === undefined) return undefined;
    const { classes, values, tweak } = layout;
    const domain = domainOf(classes);
    if (domain < MIN_DOMAIN) return undefined;
    let out: number[];
    if (classes.every((c) => c === classes[0])) {
      const cipher = cipherFor(classes[0]!.radix);
      out = decrypting ? cipher.decrypt(values, tweak) : cipher.encrypt(values, tweak);
    } else {
      out = walk(values, classes, domain, tweak, cipherFor(2), decrypting);
    }
    const chars = text.split('');
    layout.positions.forEach((p, i) => (chars[p] = String.fromCharCode(classes[i]!.char(out[i]!))));
    return chars.join('');
  };

  return { tokenize: (text) => run(text, false), detokenize: (token) => run(token, true) };
}

function walk(
  values: readonly number[],
  classes: readonly CharClass[],
  domain: bigint,
  tweak: Uint8Array,
  cipher: ReturnType<typeof ff1>,
  decrypting: boolean,
): number[] {
  let x = 0n;
  values.forEach((v, i) => (x = x * BigInt(classes[i]!.radix) + BigInt(v)));
  const bits = (domain - 1n).toString(2).length;
  do {
    const b = toBits(x, bits);
    x = fromBits(decrypting ? cipher.decrypt(b, tweak) : cipher.encrypt(b, tweak));
  } while (x >= domain);
  const out = new Array<number>(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    const r = BigInt(classes[i]!.radix);
    out[i] = Number(x % r);
    x /= r;
  }
  return out;
}

/** The `tokenize` transform: untokenizable values (see createTokenizer) are unusable, never passed through. */
export function createTokenize(alg: TokenizeAlg, tokenizeKey: Uint8Array): ValueTransform {
  const tokenizer = createTokenizer(alg, tokenizeKey);
  return onText((text) => tokenizer.tokenize(text) ?? UNUSABLE);
}
