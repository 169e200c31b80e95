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
  type FpeCipher,
} from './fpe.ts';

const MAX_LENGTH = 4096;
const MAX_TWEAK = 65535;
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

interface Workspace {
  encryptedP: Uint8Array;
  q: Uint8Array;
  s: Uint8Array;
  extra: number;
}

/**
 * FF1 (NIST SP 800-38G Rev. 1) over AES (16/24/32-byte keys) or SM4 (16-byte key).
 * The PRF's first CBC-MAC block P depends only on (radix, n, tweak length), so its encryption is
 * cached; with short tweaks each round then costs one block-cipher call. Numbers stay in doubles
 * while radix^v ≤ 2^45 (e.g. up to 26 decimal digits) and switch to BigInt beyond.
 */
export function ff1(cipherName: BlockCipherName, key: Uint8Array, radix: number): FpeCipher {
  const minLength = minLengthFor(radix);
  const cipher = createBlockCipher(cipherName, key);
  const shapes = new Map<number, Shape>();

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
      shape = { u, b, d: 4 * Math.ceil(b / 4) + 4, fast, modU: Number(bigModU), modV: Number(bigModV), bigModU, bigModV };
      shapes.set(n, shape);
    }
    return shape;
  };

  /**
   * Per (length, tweak length): E(P) and buffers for Q = T ‖ 0* ‖ [i] ‖ [NUM(B)]^b and for S.
   * Only T, [i] and NUM(B) change between uses, and each is rewritten before it is read.
   */
  const workspaces = new Map<number, Workspace>();
  const workspaceOf = (n: number, shape: Shape, t: number): Workspace => {
    const id = n * (MAX_TWEAK + 1) + t;
    let ws = workspaces.get(id);
    if (ws === undefined) {
      const p = Uint8Array.of(1, 2, 1, radix >>> 16, (radix >>> 8) & 0xff, radix & 0xff, 10, shape.u & 0xff, 0, 0, 0, 0, 0, 0, 0, 0);
      new DataView(p.buffer).setUint32(8, n);
      new DataView(p.buffer).setUint32(12, t);
      const qLength = t + ((((-t - shape.b - 1) % 16) + 16) % 16) + 1 + shape.b;
      const extra = Math.ceil(shape.d / 16) - 1;
      ws = { encryptedP: Uint8Array.from(cipher.encryptBlocks(p)), q: new Uint8Array(qLength), s: new Uint8Array(16 * (1 + extra)), extra };
      workspaces.set(id, ws);
    }
    return ws;
  };

  const block = new Uint8Array(16);

  /** S for round i, with Q already holding T and NUM(B): CBC-MAC of P‖Q, then R ‖ E(R ⊕ [1]) ‖ … */
  const roundS = (ws: Workspace, b: number, i: number): Uint8Array => {
    const { q, s, extra } = ws;
    q[q.length - b - 1] = i;
    let r: Uint8Array = ws.encryptedP;
    for (let off = 0; off < q.length; off += 16) {
      for (let j = 0; j < 16; j++) block[j] = r[j]! ^ q[off + j]!;
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

  /** One run of FF1 over `digits`; `decrypting` walks the rounds backwards. */
  const run = (digits: readonly number[], tweak: Uint8Array, decrypting: boolean): number[] => {
    checkDigits(digits, radix, minLength, MAX_LENGTH);
    const t = tweak.length;
    if (t > MAX_TWEAK) throw fail.validation('FF1 tweak too long');
    const n = digits.length;
    const shape = shapeOf(n);
    const { u, b, d } = shape;
    const ws = workspaceOf(n, shape, t);
    const { q } = ws;
    q.set(tweak);
    const out = new Array<number>(n);

    if (shape.fast) {
      let a = numberOf(digits, 0, u, radix);
      let c = numberOf(digits, u, n, radix);
      for (let k = 0; k < 10; k++) {
        const i = decrypting ? 9 - k : k;
        const modulus = i % 2 === 0 ? shape.modU : shape.modV;
        writeNumber(q, q.length - b, b, decrypting ? a : c);
        const y = bytesModNumber(roundS(ws, b, i), d, modulus);
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
      writeDigits(out, 0, u, a, radix);
      writeDigits(out, u, n, c, radix);
      return out;
    }
    let a = bigOf(digits, 0, u, radix);
    let c = bigOf(digits, u, n, radix);
    for (let k = 0; k < 10; k++) {
      const i = decrypting ? 9 - k : k;
      const modulus = i % 2 === 0 ? shape.bigModU : shape.bigModV;
      writeBigInt(q, q.length - b, b, decrypting ? a : c);
      const y = bytesToBigInt(roundS(ws, b, i), d) % modulus;
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
    writeBigDigits(out, 0, u, a, radix);
    writeBigDigits(out, u, n, c, radix);
    return out;
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
