import fs from 'node:fs';
import { SluiceError } from '../../common/index.ts';
import type { TrustAnchors } from '../types.ts';

/** How one organization's client reaches the network; read from `SLUICE_FABRIC_*`. */
export interface FabricSettings {
  /** host:port of the peer whose gateway service the client uses. */
  peerEndpoint: string;
  /** TLS server name to expect when it differs from the endpoint's host. */
  peerHostAlias: string | undefined;
  /** PEM file of the CA that issued the peer's TLS certificate. */
  tlsCaCertPath: string;
  /** PEM files of the client's TLS certificate and key, for peers that require client authentication (ours do). */
  tlsClientCertPath: string | undefined;
  tlsClientKeyPath: string | undefined;
  mspId: string;
  /** PEM files of the client's enrollment certificate and private key. */
  certPath: string;
  keyPath: string;
  channel: string;
  chaincode: string;
  /** JSON file of `TrustAnchors`: each organization's MSP CA certificates, for verifying proofs. */
  trustAnchorsPath: string | undefined;
  /** How long `append` keeps retrying an unreachable or unready network before giving up. */
  appendTimeoutMs: number;
}

type Env = Record<string, string | undefined>;

export const FABRIC_ENV = {
  peerEndpoint: 'SLUICE_FABRIC_PEER_ENDPOINT',
  peerHostAlias: 'SLUICE_FABRIC_PEER_HOST_ALIAS',
  tlsCaCertPath: 'SLUICE_FABRIC_TLS_CA_CERT',
  tlsClientCertPath: 'SLUICE_FABRIC_TLS_CLIENT_CERT',
  tlsClientKeyPath: 'SLUICE_FABRIC_TLS_CLIENT_KEY',
  mspId: 'SLUICE_FABRIC_MSP_ID',
  certPath: 'SLUICE_FABRIC_CERT',
  keyPath: 'SLUICE_FABRIC_KEY',
  channel: 'SLUICE_FABRIC_CHANNEL',
  chaincode: 'SLUICE_FABRIC_CHAINCODE',
  trustAnchorsPath: 'SLUICE_FABRIC_TRUST_ANCHORS',
  appendTimeoutMs: 'SLUICE_FABRIC_APPEND_TIMEOUT_MS',
} as const satisfies Record<keyof FabricSettings, string>;

export const FABRIC_DEFAULTS = { channel: 'sluice', chaincode: 'sluice', appendTimeoutMs: 120_000 } as const;

export function fabricSettingsFromEnv(env: Env = process.env): FabricSettings {
  const timeout = optional(env, FABRIC_ENV.appendTimeoutMs);
  const appendTimeoutMs = timeout === undefined ? FABRIC_DEFAULTS.appendTimeoutMs : Number(timeout);
  if (!Number.isSafeInteger(appendTimeoutMs) || appendTimeoutMs <= 0) {
    throw invalid(FABRIC_ENV.appendTimeoutMs, 'a positive integer (milliseconds)');
  }
  const peerEndpoint = required(env, FABRIC_ENV.peerEndpoint);
  if (!/^[^\s:]+:\d{1,5}$/.test(peerEndpoint)) throw invalid(FABRIC_ENV.peerEndpoint, 'host:port');
  return {
    peerEndpoint,
    peerHostAlias: optional(env, FABRIC_ENV.peerHostAlias),
    tlsCaCertPath: required(env, FABRIC_ENV.tlsCaCertPath),
    ...clientTls(env),
    mspId: required(env, FABRIC_ENV.mspId),
    certPath: required(env, FABRIC_ENV.certPath),
    keyPath: required(env, FABRIC_ENV.keyPath),
    channel: optional(env, FABRIC_ENV.channel) ?? FABRIC_DEFAULTS.channel,
    chaincode: optional(env, FABRIC_ENV.chaincode) ?? FABRIC_DEFAULTS.chaincode,
    trustAnchorsPath: optional(env, FABRIC_ENV.trustAnchorsPath),
    appendTimeoutMs,
  };
}

/** A client TLS certificate comes with its key: one without the other is a configuration error. */
function clientTls(env: Env): Pick<FabricSettings, 'tlsClientCertPath' | 'tlsClientKeyPath'> {
  const tlsClientCertPath = optional(env, FABRIC_ENV.tlsClientCertPath);
  const tlsClientKeyPath = optional(env, FABRIC_ENV.tlsClientKeyPath);
  if ((tlsClientCertPath === undefined) !== (tlsClientKeyPath === undefined)) {
    const missing = tlsClientCertPath === undefined ? FABRIC_ENV.tlsClientCertPath : FABRIC_ENV.tlsClientKeyPath;
    throw new SluiceError('VALIDATION_FAILED', `${FABRIC_ENV.tlsClientCertPath} and ${FABRIC_ENV.tlsClientKeyPath} are set together`, { variable: missing });
  }
  return { tlsClientCertPath, tlsClientKeyPath };
}

/** The `SLUICE_FABRIC_*` lines that reproduce these settings, for fabric.env files. */
export function fabricSettingsToEnv(settings: FabricSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, name] of Object.entries(FABRIC_ENV) as [keyof FabricSettings, string][]) {
    const value = settings[field];
    if (value !== undefined) env[name] = String(value);
  }
  return env;
}

/** Reads a `TrustAnchors` JSON file: `{"orgs": {"<MSP id>": ["<PEM CA certificate>", …]}}`. */
export function readTrustAnchors(path: string): TrustAnchors {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new SluiceError('VALIDATION_FAILED', 'Fabric trust anchors file is missing or not JSON', { variable: FABRIC_ENV.trustAnchorsPath }, { cause });
  }
  const orgs = (parsed as { orgs?: unknown }).orgs;
  const valid =
    typeof orgs === 'object' &&
    orgs !== null &&
    Object.values(orgs).every((certs) => Array.isArray(certs) && certs.every((cert) => typeof cert === 'string'));
  if (!valid) throw invalid(FABRIC_ENV.trustAnchorsPath, 'a file of {"orgs": {MSP id: [PEM certificates]}}');
  return { orgs: orgs as Record<string, string[]> };
}

function invalid(name: string, expected: string): SluiceError {
  return new SluiceError('VALIDATION_FAILED', `environment variable ${name} must be ${expected}`, { variable: name });
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function required(env: Env, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw invalid(name, 'set when SLUICE_LEDGER=fabric');
  return value;
}
