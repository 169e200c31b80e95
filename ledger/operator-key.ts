import fs from 'node:fs';
import path from 'node:path';
import { SluiceError } from '../common/errors.ts';
import type { Logger } from '../common/index.ts';
import { sm2GenerateKeyPair, sm2PublicKeyFromPrivate } from '../crypto/index.ts';
import { isOrgName, localSigner, type OrgSigner } from './signatures.ts';

interface OperatorKeyFile {
  org: string;
  alg: 'SM2';
  privateKey: string;
  publicKey: string;
}

function operatorKeyPath(dataDir: string): string {
  return path.join(dataDir, 'ledger', 'operator-key.json');
}

/**
 * The operator organization's SM2 tree-head key: generated on first start, then reused so heads
 * signed before a restart and after it verify under the same trust anchor.
 */
export function loadOrCreateOperatorSigner(dataDir: string, org: string, logger?: Logger): OrgSigner {
  if (!isOrgName(org)) throw new SluiceError('VALIDATION_FAILED', 'operator organization name is not valid');
  const file = operatorKeyPath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const content: OperatorKeyFile = { org, alg: 'SM2', privateKey, publicKey };
    // 'wx' fails if another process created the key meanwhile; its key is then the one to use.
    try {
      fs.writeFileSync(file, JSON.stringify(content, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      logger?.info({ org }, 'generated operator tree-head signing key');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = readOperatorKey(file);
  if ((fs.statSync(file).mode & 0o077) !== 0) {
    logger?.warn({ file }, 'operator key file is readable by other users; it should be mode 0600');
  }
  if (key.org !== org) {
    throw new SluiceError('CONFLICT', 'the ledger was created under another operator organization name');
  }
  return localSigner(key.org, 'SM2', key.privateKey, key.publicKey);
}

/** The operator's public key as recorded in the data directory, for audits. */
export function readOperatorPublicKey(dataDir: string): { org: string; publicKey: string } | undefined {
  const file = operatorKeyPath(dataDir);
  if (!fs.existsSync(file)) return undefined;
  const { org, publicKey } = readOperatorKey(file);
  return { org, publicKey };
}

function readOperatorKey(file: string): OperatorKeyFile {
  let parsed: Partial<OperatorKeyFile>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<OperatorKeyFile>;
  } catch (cause) {
    throw new SluiceError('INTERNAL', 'operator key file is not readable JSON', undefined, { cause });
  }
  const { org, privateKey, publicKey } = parsed;
  let derived: string | undefined;
  try {
    derived = typeof privateKey === 'string' ? sm2PublicKeyFromPrivate(privateKey) : undefined;
  } catch {
    derived = undefined;
  }
  if (typeof org !== 'string' || parsed.alg !== 'SM2' || derived === undefined || derived !== publicKey) {
    throw new SluiceError('INTERNAL', 'operator key file is malformed or its keys do not match');
  }
  return { org, alg: 'SM2', privateKey: privateKey as string, publicKey: derived };
}
