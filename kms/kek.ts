import fs from 'node:fs';
import path from 'node:path';
import { scrypt } from 'node:crypto';
import { randomBytes } from '../crypto/index.ts';
import type { Logger } from '../common/index.ts';
import { MASTER_KEY_BYTES } from './barrier.ts';

/**
 * Key-encryption keys that seal the master key at rest, one source per seal mode (the shamir
 * mode's KEK exists only as shares, see seal.ts).
 */

/** File mode: the KEK as hex in a 0600 file. Created only when the store is not yet initialized. */
export function readKekFile(file: string, logger: Logger): Uint8Array | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!new RegExp(`^[0-9a-f]{${MASTER_KEY_BYTES * 2}}$`).test(text)) throw new Error(`unseal key file ${file} is not ${MASTER_KEY_BYTES * 2} hex digits`);
  if ((fs.statSync(file).mode & 0o077) !== 0) logger.warn({ file }, 'unseal key file is readable by group or others; chmod 600 it');
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function createKekFile(file: string): Uint8Array {
  const kek = randomBytes(MASTER_KEY_BYTES);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, Buffer.from(kek).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return kek;
}

export interface ScryptParams {
  salt: string;
  N: number;
  r: number;
  p: number;
}

/** 2^15 × r=8 costs 32 MiB and about 0.1 s: once per start, and unaffordable to guess at scale. */
export function newScryptParams(): ScryptParams {
  return { salt: Buffer.from(randomBytes(16)).toString('base64'), N: 2 ** 15, r: 8, p: 1 };
}

export function passphraseKek(passphrase: string, params: ScryptParams): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFKC'),
      Buffer.from(params.salt, 'base64'),
      MASTER_KEY_BYTES,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r },
      (error, key) => (error ? reject(error) : resolve(new Uint8Array(key))),
    );
  });
}
