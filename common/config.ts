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
  /** Largest accepted JSON request body, bytes. */
  bodyLimit: number;
  /** Largest dataset upload (CSV, NDJSON, JSON array), streamed, bytes. */
  uploadLimit: number;
  /** Largest binary artifact a compute route buffers (encrypted columns, PSI messages), bytes. */
  artifactLimit: number;
  /** Transfers of at most this many records answer 201 when done; larger ones 202 and run in the background. */
  transferSyncRecords: number;
  /** Hours a completed transfer's package stays downloadable; then it is deleted and its key destroyed. */
  packageWindowHours: number;
  /** Requests per minute per token (or per address when unauthenticated). */
  rateLimit: number;
  /** Failed authentications per minute per client address before it is refused with 429. */
  authFailureLimit: number;
  /** Proxies (addresses or CIDRs) whose X-Forwarded-For names the client address; none by default. */
  trustProxy: string[] | undefined;
  /** The one deadline of every KMS call the gateway and workers make, milliseconds. */
  kmsTimeoutMs: number;
  /** TLS between Sluice's processes (files of PEM material); all optional, see docs/OPERATIONS.md. */
  tls: TlsConfig;
  /** Platform floor on the persons behind any released figure; contracts and requests may only raise it. */
  minGroupSize: number;
}

export interface TlsConfig {
  /** CA bundle that issued the service certificates: clients verify servers against it, a mutual-TLS KMS verifies clients. */
  ca: string | undefined;
  /** Certificate the gateway and workers show the KMS. */
  clientCert: string | undefined;
  clientKey: string | undefined;
  /** The KMS serves HTTPS with these. */
  kmsCert: string | undefined;
  kmsKey: string | undefined;
  /** The KMS accepts only clients with a certificate issued by `ca` (mutual TLS). */
  kmsClientAuth: boolean;
  /** The gateway serves HTTPS with these. */
  gatewayCert: string | undefined;
  gatewayKey: string | undefined;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.SLUICE_DATA_DIR ?? './.sluice');
  const host = env.SLUICE_HOST ?? '127.0.0.1';
  const kmsPort = port(env, 'SLUICE_KMS_PORT', 8081);
  const tls = tlsConfig(env);
  return {
    dataDir,
    host,
    port: port(env, 'SLUICE_PORT', 8080),
    kmsPort,
    kmsUrl: env.SLUICE_KMS_URL ?? `${tls.kmsCert ? 'https' : 'http'}://127.0.0.1:${kmsPort}`,
    adminToken: nonEmpty(env.SLUICE_ADMIN_TOKEN),
    kmsToken: nonEmpty(env.SLUICE_KMS_TOKEN),
    databaseUrl: url(env, 'SLUICE_DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'SLUICE_REDIS_URL', ['redis:', 'rediss:']),
    ledger: oneOf(env, 'SLUICE_LEDGER', ['embedded', 'fabric'] as const, 'embedded'),
    ledgerLeaseMs: positiveInt(env, 'SLUICE_LEDGER_LEASE_MS', 10_000),
    logLevel: oneOf(env, 'SLUICE_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    bodyLimit: positiveInt(env, 'SLUICE_BODY_LIMIT', 1024 * 1024),
    uploadLimit: positiveInt(env, 'SLUICE_UPLOAD_LIMIT', 16 * 1024 ** 3),
    artifactLimit: positiveInt(env, 'SLUICE_ARTIFACT_LIMIT', 64 * 1024 * 1024),
    transferSyncRecords: positiveInt(env, 'SLUICE_TRANSFER_SYNC_RECORDS', 10_000),
    packageWindowHours: positiveInt(env, 'SLUICE_PACKAGE_WINDOW_HOURS', 7 * 24),
    rateLimit: positiveInt(env, 'SLUICE_RATE_LIMIT', 600),
    authFailureLimit: positiveInt(env, 'SLUICE_AUTH_FAILURE_LIMIT', 20),
    trustProxy: addressList(env, 'SLUICE_TRUST_PROXY'),
    kmsTimeoutMs: positiveInt(env, 'SLUICE_KMS_TIMEOUT_MS', 5000),
    tls,
    minGroupSize: positiveInt(env, 'SLUICE_MIN_GROUP_SIZE', 10),
  };
}

function tlsConfig(env: Env): TlsConfig {
  const pair = (cert: string, key: string): [string | undefined, string | undefined] => {
    const [c, k] = [nonEmpty(env[cert]), nonEmpty(env[key])];
    if ((c === undefined) !== (k === undefined)) throw invalid(c === undefined ? cert : key, `set together with ${c === undefined ? key : cert}`);
    return [c && path.resolve(c), k && path.resolve(k)];
  };
  const [clientCert, clientKey] = pair('SLUICE_TLS_CLIENT_CERT', 'SLUICE_TLS_CLIENT_KEY');
  const [kmsCert, kmsKey] = pair('SLUICE_KMS_TLS_CERT', 'SLUICE_KMS_TLS_KEY');
  const [gatewayCert, gatewayKey] = pair('SLUICE_GATEWAY_TLS_CERT', 'SLUICE_GATEWAY_TLS_KEY');
  const ca = nonEmpty(env.SLUICE_TLS_CA);
  const kmsClientAuth = oneOf(env, 'SLUICE_KMS_TLS_CLIENT_AUTH', ['none', 'require'] as const, 'none') === 'require';
  if (kmsClientAuth && (!kmsCert || !ca)) throw invalid('SLUICE_KMS_TLS_CLIENT_AUTH', 'used with SLUICE_KMS_TLS_CERT and SLUICE_TLS_CA');
  return { ca: ca && path.resolve(ca), clientCert, clientKey, kmsCert, kmsKey, kmsClientAuth, gatewayCert, gatewayKey };
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

function addressList(env: Env, name: string): string[] | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const entries = raw.split(',').map((entry) => entry.trim());
  const address = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*)(?:\/\d{1,3})?$/;
  if (entries.some((entry) => !address.test(entry))) throw invalid(name, 'a comma-separated list of IP addresses or CIDR ranges');
  return entries;
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
