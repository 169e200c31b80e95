import { fail } from '../common/errors.ts';
import { createBlockCipher, type BlockCipherName } from './block.ts';
import {
  bytesModNumber,
  bytesToBigInt,
  checkDigits,
  FAST_MODULUS_LIMIT,
  minLengthFor,
  writeBigInt,
  writeNumber,
  type Ff1Cipher,
} from './fpe.ts';

const MAX_LENGTH = 4096;
const MAX_TWEAK = 65535;
// Values of one length whose round blocks go to the block cipher together (64 KiB per call).
const BATCH = 4096;
const EMPTY = new Uint8Array();

/** Per input length: the split, byte sizes and moduli of SP 800-38G FF1 steps 1-4. */
interface Shape {
  u: number;
  b: number;
  d: number;
  fast: boolean;
  modU: number;
  modV: number;
  bigModU: bigint;
  bigModV: bigint;
}

/** Per (length, tweak length): E(P), the length of Q = T ‖ 0* ‖ [i] ‖ [NUM(B)]^b, S's extra blocks. */
interface Layout {
  encryptedP: Uint8Array;
  qLength: number;
  extra: number;
}

type Values = readonly (readonly number[])[];

/**
 * FF1 (NIST SP 800-38G Rev. 1) over AES (16/24/32-byte keys) or SM4 (16-byte key).
 * The PRF's first CBC-MAC block P depends only on (radix, n, tweak length), so its encryption is
 * cached; with short tweaks each round then costs one block-cipher call, and the batch forms make
 * that one call for up to 4096 values of the same length. Numbers stay in doubles while
 * radix^v ≤ 2^45 (e.g. up to 26 decimal digits) and switch to BigInt beyond.
 */
export function ff1(cipherName: BlockCipherName, key: Uint8Array, radix: number): Ff1Cipher {
  const minLength = minLengthFor(radix);
  const cipher = createBlockCipher(cipherName, key);
  const shapes = new Map<number, Shape>();
  const layouts = new Map<number, Layout>();

  const shapeOf = (n: number): Shape => {
    let shape = shapes.get(n);
    if (shape === undefined) {
      const u = n >> 1;
      const bigModU = BigInt(radix) ** BigInt(u);
      const bigModV = BigInt(radix) ** BigInt(n - u);
      // ceil(v·log2(radix)) is exactly the bit length of radix^v − 1; no floating-point logs.
      const b = Math.ceil((bigModV - 1n).toString(2).length / 8);
      const fast = bigModV <= FAST_MODULUS_LIMIT;
      shape = { u, b, d: 4 * Math.ceil(b / 4) + 4, fast, modU: Number(bigModU), modV: Number(bigModV), bigModU, bigModV };
      shapes.set(n, shape);
    }
    return shape;
  };

  const layoutOf = (n: number, shape: Shape, t: number): Layout => {
    const id = n * (MAX_TWEAK + 1) + t;
    let layout = layouts.get(id);
    if (layout === undefined) {
      const p = Uint8Array.of(1, 2, 1, radix >>> 16, (radix >>> 8) & 0xff, radix & 0xff, 10, shape.u & 0xff, 0, 0, 0, 0, 0, 0, 0, 0);
      new DataView(p.buffer).setUint32(8, n);
      new DataView(p.buffer).setUint32(12, t);
      layout = {
        encryptedP: Uint8Array.from(cipher.encryptBlocks(p)),
        qLength: t + ((((-t - shape.b - 1) % 16) + 16) % 16) + 1 + shape.b,
        extra: Math.ceil(shape.d / 16) - 1,
      };
      layouts.set(id, layout);
    }
    return layout;
  };

  /**
   * S for every value of a batch: `qs` holds each value's Q (with [i] and NUM(B) filled in) at
   * stride qLength; returns each S at stride 16·(1 + extra). CBC-MAC step k of all values is one
   * block-cipher call, and so are the extension blocks E(R ⊕ [1]) ‖ E(R ⊕ [2]) ‖ … of all values.
   */
  const roundS = (layout: Layout, qs: Uint8Array, count: number): { s: Uint8Array; stride: number } => {
    const { qLength, extra, encryptedP } = layout;
    const blocks = new Uint8Array(count * 16);
    let r: Uint8Array = new Uint8Array(count * 16);
    for (let v = 0; v < count; v++) r.set(encryptedP, v * 16);
    for (let off = 0; off < qLength; off += 16) {
      for (let v = 0; v < count; v++) {
        const q = v * qLength + off;
        for (let j = 0; j < 16; j++) blocks[v * 16 + j] = r[v * 16 + j]! ^ qs[q + j]!;
      }
      r = cipher.encryptBlocks(blocks);
    }
    if (extra === 0) return { s: r, stride: 16 };
    const stride = 16 * (1 + extra);
    const s = new Uint8Array(count * stride);
    const counters = new Uint8Array(count * extra * 16);
    for (let v = 0; v < count; v++) {
      const rv = r.subarray(v * 16, v * 16 + 16);
      s.set(rv, v * stride);
      for (let j = 1; j <= extra; j++) {
        const off = (v * extra + j - 1) * 16;
        counters.set(rv, off);
        counters[off + 12]! ^= j >>> 24;
        counters[off + 13]! ^= (j >>> 16) & 0xff;
        counters[off + 14]! ^= (j >>> 8) & 0xff;
        counters[off + 15]! ^= j & 0xff;
      }
    }
    const ext = cipher.encryptBlocks(counters);
    for (let v = 0; v < count; v++) s.set(ext.subarray(v * extra * 16, (v + 1) * extra * 16), v * stride + 16);
    return { s, stride };
  };

  /** FF1 over `count` values of length n taken from `values` at `indexes`, results into `out`. */
  const runBatch = (values: Values, indexes: number[], n: number, tweak: Uint8Array, decrypting: boolean, out: number[][]): void => {
    const count = indexes.length;
    const shape = shapeOf(n);
    const { u, b, d } = shape;
    const layout = layoutOf(n, shape, tweak.length);
    const { qLength } = layout;
    const qs = new Uint8Array(count * qLength);
    for (let v = 0; v < count; v++) qs.set(tweak, v * qLength);
    const numeralAt = (v: number): number => v * qLength + qLength - b;

    if (shape.fast) {
      const a = new Float64Array(count);
      const c = new Float64Array(count);
      for (let v = 0; v < count; v++) {
        const digits = values[indexes[v]!]!;
        a[v] = numberOf(digits, 0, u, radix);
        c[v] = numberOf(digits, u, n, radix);
      }
      for (let k = 0; k < 10; k++) {
        const i = decrypting ? 9 - k : k;
        const modulus = i % 2 === 0 ? shape.modU : shape.modV;
        for (let v = 0; v < count; v++) {
          qs[numeralAt(v) - 1] = i;
          writeNumber(qs, numeralAt(v), b, decrypting ? a[v]! : c[v]!);
        }
        const { s, stride } = roundS(layout, qs, count);
        for (let v = 0; v < count; v++) {
          const y = bytesModNumber(s, v * stride, d, modulus);
          if (decrypting) {
            const next = (((c[v]! - y) % modulus) + modulus) % modulus;
            c[v] = a[v]!;
            a[v] = next;
          } else {
            const next = (a[v]! + y) % modulus;
            a[v] = c[v]!;
            c[v] = next;
          }
        }
      }
      for (let v = 0; v < count; v++) {
        const result = new Array<number>(n);
        writeDigits(result, 0, u, a[v]!, radix);
        writeDigits(result, u, n, c[v]!, radix);
        out[indexes[v]!] = result;
      }
      return;
    }
    const a = indexes.map((index) => bigOf(values[index]!, 0, u, radix));
    const c = indexes.map((index) => bigOf(values[index]!, u, n, radix));
    for (let k = 0; k < 10; k++) {
      const i = decrypting ? 9 - k : k;
      const modulus = i % 2 === 0 ? shape.bigModU : shape.bigModV;
      for (let v = 0; v < count; v++) {
        qs[numeralAt(v) - 1] = i;
        writeBigInt(qs, numeralAt(v), b, decrypting ? a[v]! : c[v]!);
      }
      const { s, stride } = roundS(layout, qs, count);
      for (let v = 0; v < count; v++) {
        const y = bytesToBigInt(s, v * stride, d) % modulus;
        if (decrypting) {
          const next = (((c[v]! - y) % modulus) + modulus) % modulus;
          c[v] = a[v]!;
          a[v] = next;
        } else {
          const next = (a[v]! + y) % modulus;
          a[v] = c[v]!;
          c[v] = next;
        }
      }
    }
    for (let v = 0; v < count; v++) {
      const result = new Array<number>(n);
      writeBigDigits(result, 0, u, a[v]!, radix);
      writeBigDigits(result, u, n, c[v]!, radix);
      out[indexes[v]!] = result;
    }
  };

  const runMany = (values: Values, tweak: Uint8Array, decrypting: boolean): number[][] => {
    if (tweak.length > MAX_TWEAK) throw fail.validation('FF1 tweak too long');
    const byLength = new Map<number, number[]>();
    values.forEach((digits, index) => {
      checkDigits(digits, radix, minLength, MAX_LENGTH);
      const group = byLength.get(digits.length);
      if (group === undefined) byLength.set(digits.length, [index]);
      else group.push(index);
    });
    const out = new Array<number[]>(values.length);
    for (const [n, indexes] of byLength) {
      for (let start = 0; start < indexes.length; start += BATCH) {
        runBatch(values, indexes.slice(start, start + BATCH), n, tweak, decrypting, out);
      }
    }
    return out;
  };

  return {
    encrypt: (digits, tweak = EMPTY) => runMany([digits], tweak, false)[0]!,
    decrypt: (digits, tweak = EMPTY) => runMany([digits], tweak, true)[0]!,
    encryptMany: (values, tweak = EMPTY) => runMany(values, tweak, false),
    decryptMany: (values, tweak = EMPTY) => runMany(values, tweak, true),
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

/** STR^m_radix(x) into out[from, to). */
function writeDigits(out: number[], from: number, to: number, x: number, radix: number): void {
  for (let i = to - 1; i >= from; i--) {
    out[i] = x % radix;
    x = Math.floor(x / radix);
  }
}

function writeBigDigits(out: number[], from: number, to: number, x: bigint, radix: number): void {
  const r = BigInt(radix);
  for (let i = to - 1; i >= from; i--) {
    out[i] = Number(x % r);
    x /= r;
  }
}
