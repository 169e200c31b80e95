import { fail } from '../common/errors.ts';
import { createBlockCipher } from './block.ts';
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

export const FF3_1_TWEAK_BYTES = 7;

/**
 * FF3-1 (NIST SP 800-38G Rev. 1, §5.2) over AES with a 56-bit tweak. The 56-bit tweak is split
 * into the 32-bit halves T_L = T[0..27]‖0^4 and T_R = T[32..55]‖T[28..31]‖0^4, after which the
 * rounds are FF3's; `ff3Rounds` takes those halves so the original FF3 sample vectors (64-bit
 * tweaks) can exercise the same code.
 */
export function ff3_1(cipherName: 'AES', key: Uint8Array, radix: number): FpeCipher {
  if (cipherName !== 'AES') throw fail.validation('FF3-1 is defined over AES only');
  const rounds = ff3Rounds(key, radix);
  const halves = (tweak: Uint8Array | undefined): Uint8Array => {
    if (tweak === undefined || tweak.length !== FF3_1_TWEAK_BYTES) throw fail.validation('FF3-1 tweak must be 7 bytes');
    return Uint8Array.of(tweak[0]!, tweak[1]!, tweak[2]!, tweak[3]! & 0xf0, tweak[4]!, tweak[5]!, tweak[6]!, (tweak[3]! & 0x0f) << 4);
  };
  return {
    encrypt: (digits, tweak) => rounds(digits, halves(tweak), false),
    decrypt: (digits, tweak) => rounds(digits, halves(tweak), true),
  };
}

/** FF3's eight Feistel rounds with tweak halves T_L‖T_R given as 8 bytes. */
export function ff3Rounds(key: Uint8Array, radix: number): (digits: readonly number[], tlr: Uint8Array, decrypting: boolean) => number[] {
  const minLength = minLengthFor(radix);
  // FF3 runs the cipher under the byte-reversed key on byte-reversed blocks.
  const cipher = createBlockCipher('AES', Uint8Array.from(key).reverse());
  // maxlen = 2·floor(log_radix(2^96)), computed exactly.
  let maxLength = 0;
  for (let p = BigInt(radix); p <= 2n ** 96n; p *= BigInt(radix)) maxLength += 2;
  const block = new Uint8Array(16);
  const shapes = new Map<number, { u: number; v: number; fast: boolean; modU: number; modV: number; bigModU: bigint; bigModV: bigint }>();

  return (digits, tlr, decrypting) => {
    checkDigits(digits, radix, minLength, maxLength);
    const n = digits.length;
    let shape = shapes.get(n);
    if (shape === undefined) {
      const u = Math.ceil(n / 2);
      const bigModU = BigInt(radix) ** BigInt(u);
      const bigModV = BigInt(radix) ** BigInt(n - u);
      shape = { u, v: n - u, fast: bigModU <= FAST_MODULUS_LIMIT, modU: Number(bigModU), modV: Number(bigModV), bigModU, bigModV };
      shapes.set(n, shape);
    }
    const { u, v, fast, modU, modV, bigModU, bigModV } = shape;

    // P = (W ⊕ [i]^4) ‖ [NUM(REV(half))]^12, byte-reversed into the cipher, result reversed back.
    const roundS = (i: number): Uint8Array => {
      const w = i % 2 === 0 ? 4 : 0;
      for (let j = 0; j < 4; j++) block[15 - j] = tlr[w + j]!;
      block[12] = block[12]! ^ i;
      return cipher.encryptBlocks(block).reverse();
    };

    if (fast) {
      let a = reversedNumber(digits, 0, u, radix);
      let c = reversedNumber(digits, u, n, radix);
      for (let k = 0; k < 8; k++) {
        const i = decrypting ? 7 - k : k;
        const modulus = i % 2 === 0 ? modU : modV;
        reversedInto(block, decrypting ? a : c, writeNumber);
        const y = bytesModNumber(roundS(i), 0, 16, modulus);
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
      return [...reversedDigits(a, u, radix), ...reversedDigits(c, v, radix)];
    }
    let a = reversedBig(digits, 0, u, radix);
    let c = reversedBig(digits, u, n, radix);
    for (let k = 0; k < 8; k++) {
      const i = decrypting ? 7 - k : k;
      const modulus = i % 2 === 0 ? bigModU : bigModV;
      reversedInto(block, decrypting ? a : c, writeBigInt);
      const y = bytesToBigInt(roundS(i), 0, 16) % modulus;
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
    return [...reversedBigDigits(a, u, radix), ...reversedBigDigits(c, v, radix)];
  };
}

/** Puts [x]^12 into the reversed block: block[0..12) holds its bytes least significant first. */
function reversedInto<T>(block: Uint8Array, x: T, write: (out: Uint8Array, offset: number, length: number, value: T) => void): void {
  write(block, 0, 12, x);
  block.subarray(0, 12).reverse();
}

/** NUM_radix(REV(X[from..to))): the digits read least significant first. */
function reversedNumber(digits: readonly number[], from: number, to: number, radix: number): number {
  let x = 0;
  for (let i = to - 1; i >= from; i--) x = x * radix + digits[i]!;
  return x;
}

function reversedBig(digits: readonly number[], from: number, to: number, radix: number): bigint {
  const r = BigInt(radix);
  let x = 0n;
  for (let i = to - 1; i >= from; i--) x = x * r + BigInt(digits[i]!);
  return x;
}

/** REV(STR^m_radix(x)). */
function reversedDigits(x: number, m: number, radix: number): number[] {
  const out = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    out[i] = x % radix;
    x = Math.floor(x / radix);
  }
  return out;
}

function reversedBigDigits(x: bigint, m: number, radix: number): number[] {
  const r = BigInt(radix);
  const out = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    out[i] = Number(x % r);
    x /= r;
  }
  return out;
}
