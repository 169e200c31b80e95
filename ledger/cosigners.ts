import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../common/errors.ts';
import type { CoSignerConfig } from './signatures.ts';

interface KeyFile {
  alg?: unknown;
  privateKey?: unknown;
  publicKey?: unknown;
}

/**
 * Co-signing organizations of the embedded ledger from a JSON file (`SLUICE_LEDGER_COSIGNERS`):
 * `[{"org": "regulator", "keyFile": "regulator.key.json"}, …]`. A key file is what `sluice
 * keygen` writes (`{"alg":"sm2","privateKey","publicKey"}`) or `{"alg":"ed25519","privateKey":
 * PEM,"publicKey": PEM}`; relative paths are resolved from the co-signer file. Each block's tree
 * head is then signed by the operator and by every organization listed.
 */
export function readCoSigners(file: string): CoSignerConfig[] {
  let entries: unknown;
  try {
    entries = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw fail.validation('SLUICE_LEDGER_COSIGNERS must name a readable JSON file');
  }
  if (!Array.isArray(entries)) throw fail.validation('the co-signer file must hold a JSON array of {org, keyFile}');
  return entries.map((entry: { org?: unknown; keyFile?: unknown }) => {
    if (typeof entry?.org !== 'string' || typeof entry.keyFile !== 'string') throw fail.validation('each co-signer needs an org and a keyFile');
    const key = readKeyFile(path.resolve(path.dirname(file), entry.keyFile));
    return { org: entry.org, ...key };
  });
}

type LocalKey = { alg: CoSignerConfig['alg']; publicKey: string; privateKey: string };

function readKeyFile(file: string): LocalKey {
  let key: KeyFile;
  try {
    key = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
  } catch {
    throw fail.validation('a co-signer key file is missing or not JSON');
  }
  if (typeof key.privateKey !== 'string' || typeof key.publicKey !== 'string') throw fail.validation('a co-signer key file needs privateKey and publicKey');
  if (key.alg === 'sm2') return { alg: 'SM2', publicKey: key.publicKey, privateKey: key.privateKey };
  if (key.alg === 'ed25519') return { alg: 'Ed25519', publicKey: key.publicKey, privateKey: key.privateKey };
  throw fail.validation('co-signer keys are sm2 or ed25519');
}
