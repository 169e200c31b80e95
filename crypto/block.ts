import { createCipheriv, createDecipheriv, type Cipher } from 'node:crypto';
import { fail } from '../common/errors.ts';
import { fromBuffer } from './bytes.ts';
import { createSm4Encrypt } from './sm4.ts';
import { createSm4Vector } from './sm4-vector.ts';

export type BlockCipherName = 'SM4' | 'AES';

/**
 * A 128-bit block cipher under one key. SM4 runs in WebAssembly vectors, constant time
 * (sm4-vector.ts: 2.3 times OpenSSL 3.0's table-based SM4), except inputs of up to
 * SM4_SHORT_BLOCKS blocks, which the TypeScript SM4 (sm4.ts) does faster than a turn of twelve
 * blocks. AES is OpenSSL's: `encryptBlocks` feeds a long-lived ECB context that is never
 * finalized (with padding off each update returns exactly its input's blocks), so a call costs
 * one native call instead of a new cipher object per field.
 */
export interface BlockCipher {
  readonly name: BlockCipherName;
  encryptBlocks(blocks: Uint8Array): Uint8Array;
  /**
   * CTR keystream XOR from the big-endian counter block `counter`. SM4 counts in its last 32 bits
   * (GCM's inc32), AES in all 128; callers stay below 2^32 blocks from a counter whose last word
   * does not wrap, where the two agree.
   */
  ctr(counter: Uint8Array, data: Uint8Array): Uint8Array;
}

function opensslName(name: BlockCipherName, key: Uint8Array, mode: 'ecb' | 'ctr'): string {
  if (name === 'SM4') {
    if (key.length !== 16) throw fail.validation('SM4 keys are 16 bytes');
    return `sm4-${mode}`;
  }
  if (name === 'AES') {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw fail.validation('AES keys are 16, 24 or 32 bytes');
    return `aes-${key.length * 8}-${mode}`;
  }
  throw fail.validation('unsupported block cipher');
}

function checkBlocks(data: Uint8Array): void {
  if (data.length % 16 !== 0) throw fail.validation('input must be whole 16-byte blocks');
}

/** Measured crossover on the development machine: up to 8 blocks sm4.ts is faster than a vector turn. */
const SM4_SHORT_BLOCKS = 8;

export function createBlockCipher(name: BlockCipherName, keyBytes: Uint8Array): BlockCipher {
  // Own copy: the CTR path re-reads the key later, and callers may wipe theirs.
  const key = Uint8Array.from(keyBytes);
  if (name === 'SM4') {
    // Both check the key's length.
    const short = createSm4Encrypt(key);
    const vector = createSm4Vector(key);
    return {
      name,
      encryptBlocks(blocks) {
        checkBlocks(blocks);
        return blocks.length <= SM4_SHORT_BLOCKS * 16 ? short(blocks) : vector.encryptBlocks(blocks);
      },
      ctr: vector.ctr,
    };
  }
  const ctrName = opensslName(name, key, 'ctr');
  const ecb: Cipher = createCipheriv(opensslName(name, key, 'ecb'), key, null).setAutoPadding(false);
  return {
    name,
    encryptBlocks(blocks) {
      checkBlocks(blocks);
      return fromBuffer(ecb.update(blocks));
    },
    ctr: (counter, data) => fromBuffer(createCipheriv(ctrName, key, counter).update(data)),
  };
}

/** Raw SM4 (GB/T 32907) on whole blocks, ECB, no padding. */
export function sm4EncryptBlocks(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const cipher = createCipheriv(opensslName('SM4', key, 'ecb'), key, null).setAutoPadding(false);
  return fromBuffer(Buffer.concat([cipher.update(data), cipher.final()]));
}

export function sm4DecryptBlocks(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const decipher = createDecipheriv(opensslName('SM4', key, 'ecb'), key, null).setAutoPadding(false);
  return fromBuffer(Buffer.concat([decipher.update(data), decipher.final()]));
}
