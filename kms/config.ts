import path from 'node:path';
import { loadConfig, SluiceError, type Config } from '../common/index.ts';
import type { SealMode } from './types.ts';

type Env = Record<string, string | undefined>;

/** The shared configuration plus what only the KMS reads; validated once at start. */
export interface KmsConfig {
  base: Config;
  /** `$SLUICE_DATA_DIR/kms`: store, unseal key file, generated token. */
  dir: string;
  seal: SealMode;
  passphrase: string | undefined;
  unsealKeyFile: string;
  databaseUrl: string | undefined;
  /** Requests per minute per token; high because callers are trusted services on loopback. */
  rateLimit: number;
  /** Request bodies hold keys and field values, never bulk data. */
  bodyLimit: number;
}

const SEAL_MODES: readonly SealMode[] = ['file', 'passphrase', 'shamir'];

export function loadKmsConfig(env: Env = process.env): KmsConfig {
  const base = loadConfig(env);
  const dir = path.join(base.dataDir, 'kms');
  const seal = (env.SLUICE_KMS_SEAL || 'file') as SealMode;
  if (!SEAL_MODES.includes(seal)) throw invalid('SLUICE_KMS_SEAL', `one of ${SEAL_MODES.join(', ')}`);
  const passphrase = env.SLUICE_KMS_PASSPHRASE || undefined;
  if (seal === 'passphrase' && passphrase === undefined) throw invalid('SLUICE_KMS_PASSPHRASE', 'set when SLUICE_KMS_SEAL=passphrase');
  const databaseUrl = env.SLUICE_KMS_DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw invalid('SLUICE_KMS_DATABASE_URL', 'a postgres:// URL');
  }
  return {
    base,
    dir,
    seal,
    passphrase,
    unsealKeyFile: env.SLUICE_KMS_UNSEAL_KEY_FILE ? path.resolve(env.SLUICE_KMS_UNSEAL_KEY_FILE) : path.join(dir, 'unseal.key'),
    databaseUrl,
    rateLimit: positiveInt(env, 'SLUICE_KMS_RATE_LIMIT', 600_000),
    bodyLimit: Math.min(base.bodyLimit, 2 * 1024 * 1024),
  };
}

function invalid(name: string, expected: string): SluiceError {
  return new SluiceError('VALIDATION_FAILED', `environment variable ${name} must be ${expected}`, { variable: name });
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw invalid(name, 'a positive integer');
  return value;
}
