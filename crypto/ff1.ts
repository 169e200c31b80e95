import { fail } from '../common/errors.ts';
import { createBlockCipher, type BlockCipherName } from './block.ts';
import {
  bytesModNumber,
  bytesToBigInt,
  checkDigits,
  checkRadix,
  FAST_MODULUS_LIMIT,
  writeBigInt,
  writeNumber,
  type FpeCipher,
} from './fpe.ts';

const MAX_LENGTH = 4096;
const MAX_TWEAK = 65535;
const EMPTY = new Uint8Array();

/** Per input length: the split, byte sizes and moduli of SP 800-38G FF1 steps 1-4. */
interface Shape {
  u: number;
  v: number;
  b: number;
  d: number;
  fast: boolean;
  modU: number;
  modV: number;
  bigModU: bigint;
  bigModV: bigint;
}

/**
 * FF1 (NIST SP 800-38G Rev. 1) over AES (16/24/32-byte keys) or SM4 (16-byte key).
 * The PRF's first CBC-MAC block P depends only on (radix, n, tweak length), so its encryption is
 * cached; with short tweaks each round then costs one block-cipher call. Numbers stay in doubles
 * while radix^v ≤ 2^45 (e.g. up to 26 decimal digits) and switch to BigInt beyond.
 */
export function ff1(cipherName: BlockCipherName, key: Uint8Array, radix: number): FpeCipher {
  checkRadix(radix);
  const cipher = createBlockCipher(cipherName, key);
  const shapes = new Map<number, Shape>();
  const encryptedP = new Map<number, Uint8Array>();

  const shapeOf = (n: number): Shape => {
    let shape = shapes.get(n);
    if (shape === undefined) {
      const u = n >> 1;
      const v = n - u;
      const bigModU = BigInt(radix) ** BigInt(u);
      const bigModV = BigInt(radix) ** BigInt(v);
      // ceil(v·log2(radix)) is exactly the bit length of radix^v − 1; no floating-point logs.
      const b = Math.ceil((bigModV - 1n).toString(2).length / 8);
      const fast = bigModV <= FAST_MODULUS_LIMIT;
      shape = { u, v, b, d: 4 * Math.ceil(b / 4) + 4, fast, modU: Number(bigModU), modV: Number(bigModV), bigModU, bigModV };
      shapes.set(n, shape);
    }
    return shape;
  };

  const encryptedPOf = (n: number, u: number, t: number): Uint8Array => {
    const id = n * (MAX_TWEAK + 1) + t;
    let ep = encryptedP.get(id);
    if (ep === undefined) {
      const p = Uint8Array.of(1, 2, 1, radix >>> 16, (radix >>> 8) & 0xff, radix & 0xff, 10, u & 0xff, 0, 0, 0, 0, 0, 0, 0, 0);
      new DataView(p.buffer).setUint32(8, n);
      new DataView(p.buffer).setUint32(12, t);
      ep = Uint8Array.from(cipher.encryptBlocks(p));
      encryptedP.set(id, ep);
    }
    return ep;
  };

  /**
   * One run of FF1 over `digits`; `decrypting` walks the rounds backwards. The round's PRF input
   * Q = T ‖ 0* ‖ [i] ‖ [NUM(B)]^b is built in place; the NUM(B) bytes are written by `writeHalf`.
   */
  const run = (digits: readonly number[], tweak: Uint8Array, decrypting: boolean): number[] => {
    checkDigits(digits, radix, MAX_LENGTH);
    const t = tweak.length;
    if (t > MAX_TWEAK) throw fail.validation('FF1 tweak too long');
    const n = digits.length;
    const shape = shapeOf(n);
    const { u, v, b, d } = shape;
    const ep = encryptedPOf(n, u, t);
    const qLength = t + ((((-t - b - 1) % 16) + 16) % 16) + 1 + b;
    const q = new Uint8Array(qLength);
    q.set(tweak);
    const blocks = qLength / 16;
    const extra = Math.ceil(d / 16) - 1;
    const s = new Uint8Array(16 * (1 + extra));

    const block = new Uint8Array(16);

    // S for round i from the Q already holding NUM(B): CBC-MAC of P‖Q, then S = R ‖ E(R ⊕ [1]) ‖ …
    const roundS = (i: number): Uint8Array => {
      q[qLength - b - 1] = i;
      let r: Uint8Array = ep;
      for (let k = 0; k < blocks; k++) {
        for (let j = 0; j < 16; j++) block[j] = r[j]! ^ q[k * 16 + j]!;
        r = cipher.encryptBlocks(block);
      }
      s.set(r.subarray(0, 16));
      if (extra > 0) {
        const counters = new Uint8Array(16 * extra);
        for (let j = 1; j <= extra; j++) {
          const off = (j - 1) * 16;
          counters.set(r.subarray(0, 16), off);
          counters[off + 12]! ^= j >>> 24;
          counters[off + 13]! ^= (j >>> 16) & 0xff;
          counters[off + 14]! ^= (j >>> 8) & 0xff;
          counters[off + 15]! ^= j & 0xff;
        }
        s.set(cipher.encryptBlocks(counters), 16);
      }
      return s;
    };

    if (shape.fast) {
      let a = numberOf(digits, 0, u, radix);
      let c = numberOf(digits, u, n, radix);
      for (let k = 0; k < 10; k++) {
        const i = decrypting ? 9 - k : k;
        const modulus = i % 2 === 0 ? shape.modU : shape.modV;
        writeNumber(q, qLength - b, b, decrypting ? a : c);
        const y = bytesModNumber(roundS(i), d, modulus);
        if (decrypting) {
          const next = (((c - y) % modulus) + modulus) % modulus;
          c = a;
          a = next;
        } else {
          const next = (a + y) % modulus;
          a = c;
          c = next;
        }
      }
      return [...digitsOf(a, u, radix), ...digitsOf(c, v, radix)];
    }
    let a = bigOf(digits, 0, u, radix);
    let c = bigOf(digits, u, n, radix);
    for (let k = 0; k < 10; k++) {
      const i = decrypting ? 9 - k : k;
      const modulus = i % 2 === 0 ? shape.bigModU : shape.bigModV;
      writeBigInt(q, qLength - b, b, decrypting ? a : c);
      const y = bytesToBigInt(roundS(i), d) % modulus;
      if (decrypting) {
        const next = (((c - y) % modulus) + modulus) % modulus;
        c = a;
        a = next;
      } else {
        const next = (a + y) % modulus;
        a = c;
        c = next;
      }
    }
    return [...bigDigitsOf(a, u, radix), ...bigDigitsOf(c, v, radix)];
  };

  return {
    encrypt: (digits, tweak = EMPTY) => run(digits, tweak, false),
    decrypt: (digits, tweak = EMPTY) => run(digits, tweak, true),
  };
}

function numberOf(digits: readonly number[], from: number, to: number, radix: number): number {
  let x = 0;
  for (let i = from; i < to; i++) x = x * radix + digits[i]!;
  return x;
}

function bigOf(digits: readonly number[], from: number, to: number, radix: number): bigint {
  const r = BigInt(radix);
  let x = 0n;
  for (let i = from; i < to; i++) x = x * r + BigInt(digits[i]!);
  return x;
}

function digitsOf(x: number, m: number, radix: number): number[] {
  const out = new Array<number>(m);
  for (let i = m - 1; i >= 0; i--) {
    out[i] = x % radix;
    x = Math.floor(x / radix);
  }
  return out;
}

function bigDigitsOf(x: bigint, m: number, radix: number): number[] {
  const r = BigInt(radix);
  const out = new Array<number>(m);
  for (let i = m - 1; i >= 0; i--) {
    out[i] = Number(x % r);
    x /= r;
  }
  return out;
}
