import { createCipheriv, createDecipheriv, type Cipher } from 'node:crypto';
import { fail } from '../common/errors.ts';
import { fromBuffer } from './bytes.ts';
import { createSm4Encrypt } from './sm4.ts';
import { createSm4Ctr } from './sm4-ctr.ts';

export type BlockCipherName = 'SM4' | 'AES';

/**
 * A 128-bit block cipher under one key, backed by OpenSSL. `encryptBlocks` feeds a long-lived ECB
 * context that is never finalized: with padding off, each update returns exactly its input's
 * blocks, so per-call cost is one native call instead of a new cipher object per field. SM4
 * inputs of up to SM4_SHORT_BLOCKS blocks are encrypted in TypeScript instead (sm4.ts), which
 * is cheaper than that one call. SM4's CTR keystream, the bulk of GCM, comes from WebAssembly
 * (sm4-ctr.ts), 2.3 times OpenSSL 3.0's.
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

/** Measured crossover on the development machine: up to 8 blocks sm4.ts is faster than one OpenSSL call. */
const SM4_SHORT_BLOCKS = 8;

export function createBlockCipher(name: BlockCipherName, keyBytes: Uint8Array): BlockCipher {
  // Own copy: the CTR path re-reads the key later, and callers may wipe theirs.
  const key = Uint8Array.from(keyBytes);
  const ecbName = opensslName(name, key, 'ecb');
  const ctrName = opensslName(name, key, 'ctr');
  const ecb: Cipher = createCipheriv(ecbName, key, null).setAutoPadding(false);
  const short = name === 'SM4' ? createSm4Encrypt(key) : undefined;
  const sm4Ctr = name === 'SM4' ? createSm4Ctr(key) : undefined;
  return {
    name,
    encryptBlocks(blocks) {
      checkBlocks(blocks);
      return short !== undefined && blocks.length <= SM4_SHORT_BLOCKS * 16 ? short(blocks) : fromBuffer(ecb.update(blocks));
    },
    ctr(counter, data) {
      return sm4Ctr !== undefined ? sm4Ctr(counter, data) : fromBuffer(createCipheriv(ctrName, key, counter).update(data));
    },
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
