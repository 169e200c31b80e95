import path from 'node:path';
import { SluiceError } from './errors.ts';

/** Everything the processes read from the environment, validated once at start. */
export interface Config {
  dataDir: string;
  host: string;
  port: number;
  kmsPort: number;
  kmsUrl: string;
  adminToken: string | undefined;
  kmsToken: string | undefined;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  ledger: 'embedded' | 'fabric';
  /** With PostgreSQL, the longest a stalled gateway can keep the others from appending to the embedded ledger, ms. */
  ledgerLeaseMs: number;
  logLevel: string;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** Requests per minute per token (or per address when unauthenticated). */
  rateLimit: number;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.SLUICE_DATA_DIR ?? './.sluice');
  const host = env.SLUICE_HOST ?? '127.0.0.1';
  const kmsPort = port(env, 'SLUICE_KMS_PORT', 8081);
  return {
    dataDir,
    host,
    port: port(env, 'SLUICE_PORT', 8080),
    kmsPort,
    kmsUrl: env.SLUICE_KMS_URL ?? `http://127.0.0.1:${kmsPort}`,
    adminToken: nonEmpty(env.SLUICE_ADMIN_TOKEN),
    kmsToken: nonEmpty(env.SLUICE_KMS_TOKEN),
    databaseUrl: url(env, 'SLUICE_DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'SLUICE_REDIS_URL', ['redis:', 'rediss:']),
    ledger: oneOf(env, 'SLUICE_LEDGER', ['embedded', 'fabric'] as const, 'embedded'),
    ledgerLeaseMs: positiveInt(env, 'SLUICE_LEDGER_LEASE_MS', 10_000),
    logLevel: oneOf(env, 'SLUICE_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    bodyLimit: positiveInt(env, 'SLUICE_BODY_LIMIT', 64 * 1024 * 1024),
    rateLimit: positiveInt(env, 'SLUICE_RATE_LIMIT', 600),
  };
}

function invalid(name: string, expected: string): SluiceError {
  return new SluiceError('VALIDATION_FAILED', `environment variable ${name} must be ${expected}`, { variable: name });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw invalid(name, 'a TCP port (0-65535)');
  return value;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw invalid(name, 'a positive integer');
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw invalid(name, `a URL (${protocols.join(' or ')})`);
  }
  if (!protocols.includes(parsed.protocol)) throw invalid(name, `a URL (${protocols.join(' or ')})`);
  return raw;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw invalid(name, `one of ${allowed.join(', ')}`);
  return raw as T;
}
