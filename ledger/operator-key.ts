import fs from 'node:fs';
import path from 'node:path';
import { SluiceError } from '../common/errors.ts';
import type { Logger } from '../common/index.ts';
import { sm2GenerateKeyPair, sm2PublicKeyFromPrivate } from '../crypto/index.ts';
import { isOrgName, localSigner, type OrgSigner } from './signatures.ts';
import { ledgerDbPath, openSqliteLedgerStore } from './store.ts';

/** An operator key taken out of service by a rotation: public half only, with the blocks it signed. */
export interface RetiredKey {
  publicKey: string;
  fromBlock: number;
  untilBlock: number;
  retiredAt: string;
}

interface OperatorKeyFile {
  org: string;
  alg: 'SM2';
  privateKey: string;
  publicKey: string;
  /** First block this key signs (0 for the ledger's first key). */
  fromBlock?: number;
  retired?: RetiredKey[];
}

/** The operator's signing key and the history verifiers need to check older heads. */
export interface OperatorKeys {
  signer: OrgSigner;
  fromBlock: number;
  retired: RetiredKey[];
}

function operatorKeyPath(dataDir: string): string {
  return path.join(dataDir, 'ledger', 'operator-key.json');
}

/**
 * The operator organization's SM2 tree-head key: generated on first start, then reused so heads
 * signed before a restart and after it verify under the same trust anchor. After a rotation
 * it is the newest key; the retired ones are listed with the blocks they signed.
 */
export function loadOrCreateOperatorKeys(dataDir: string, org: string, logger?: Logger): OperatorKeys {
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
  return { signer: localSigner(key.org, 'SM2', key.privateKey, key.publicKey), fromBlock: key.fromBlock ?? 0, retired: key.retired ?? [] };
}

/**
 * Replaces the operator key with a fresh one that signs from block `nextBlock` on (the height
 * the next block will have). The old private key is deleted; its public key stays listed
 * with the blocks it signed, so heads signed before the rotation still verify and none after
 * it can carry the old key. Run it while no gateway has the ledger open.
 */
export function rotateOperatorKey(dataDir: string, nextBlock: number, now: Date = new Date()): { previous: string; current: string } {
  const file = operatorKeyPath(dataDir);
  if (!fs.existsSync(file)) throw new SluiceError('NOT_FOUND', 'this data directory has no operator key yet');
  const old = readOperatorKey(file);
  const fromBlock = old.fromBlock ?? 0;
  if (!Number.isSafeInteger(nextBlock) || nextBlock < fromBlock) throw new SluiceError('CONFLICT', 'the ledger is older than the operator key it would retire');
  const retired = [...(old.retired ?? [])];
  // A key that never signed a block has nothing for verifiers to check: it is simply replaced.
  if (nextBlock > fromBlock) retired.push({ publicKey: old.publicKey, fromBlock, untilBlock: nextBlock - 1, retiredAt: now.toISOString() });
  const { privateKey, publicKey } = sm2GenerateKeyPair();
  const content: OperatorKeyFile = { org: old.org, alg: 'SM2', privateKey, publicKey, fromBlock: nextBlock, retired };
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(content, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  fs.renameSync(temporary, file);
  return { previous: old.publicKey, current: publicKey };
}

/**
 * Rotates the operator key of an embedded ledger's data directory: the new key signs from the
 * block after the latest one. The gateway must be stopped (it holds the key it loaded).
 */
export async function rotateEmbeddedOperatorKey(dataDir: string): Promise<{ previous: string; current: string; fromBlock: number }> {
  const file = ledgerDbPath(dataDir);
  let latest: number | undefined;
  if (fs.existsSync(file)) {
    const store = openSqliteLedgerStore(file, { readonly: true });
    try {
      latest = (await store.latestBlock())?.header.height;
    } finally {
      await store.close();
    }
  }
  const fromBlock = (latest ?? -1) + 1;
  return { ...rotateOperatorKey(dataDir, fromBlock), fromBlock };
}

/** The operator's public keys as recorded in the data directory, with their blocks, for audits. */
export function readOperatorPublicKeys(dataDir: string): { org: string; keys: { publicKey: string; fromBlock: number; untilBlock?: number }[] } | undefined {
  const file = operatorKeyPath(dataDir);
  if (!fs.existsSync(file)) return undefined;
  const { org, publicKey, fromBlock, retired } = readOperatorKey(file);
  return { org, keys: [...(retired ?? []).map(({ publicKey: key, fromBlock: from, untilBlock }) => ({ publicKey: key, fromBlock: from, untilBlock })), { publicKey, fromBlock: fromBlock ?? 0 }] };
}

function readOperatorKey(file: string): OperatorKeyFile {
  let parsed: Partial<OperatorKeyFile>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<OperatorKeyFile>;
  } catch (cause) {
    throw new SluiceError('INTERNAL', 'operator key file is not readable JSON', undefined, { cause });
  }
  const { org, privateKey, publicKey, fromBlock, retired } = parsed;
  let derived: string | undefined;
  try {
    derived = typeof privateKey === 'string' ? sm2PublicKeyFromPrivate(privateKey) : undefined;
  } catch {
    derived = undefined;
  }
  if (typeof org !== 'string' || parsed.alg !== 'SM2' || derived === undefined || derived !== publicKey) {
    throw new SluiceError('INTERNAL', 'operator key file is malformed or its keys do not match');
  }
  if ((fromBlock !== undefined && !isHeight(fromBlock)) || (retired !== undefined && !(Array.isArray(retired) && retired.every(isRetiredKey)))) {
    throw new SluiceError('INTERNAL', 'operator key file has a malformed key history');
  }
  return { org, alg: 'SM2', privateKey: privateKey as string, publicKey: derived, ...(fromBlock !== undefined ? { fromBlock } : {}), ...(retired ? { retired } : {}) };
}

function isHeight(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isRetiredKey(value: unknown): value is RetiredKey {
  const key = value as Partial<RetiredKey> | null;
  return typeof key?.publicKey === 'string' && isHeight(key.fromBlock) && isHeight(key.untilBlock) && key.untilBlock >= key.fromBlock && typeof key.retiredAt === 'string';
}
