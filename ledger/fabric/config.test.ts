import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fabricSettingsFromEnv, fabricSettingsToEnv, readTrustAnchors } from './index.ts';

const minimal = {
  SLUICE_FABRIC_PEER_ENDPOINT: '127.0.0.1:7051',
  SLUICE_FABRIC_TLS_CA_CERT: '/msp/tls/ca.crt',
  SLUICE_FABRIC_MSP_ID: 'RegulatorMSP',
  SLUICE_FABRIC_CERT: '/msp/signcerts/cert.pem',
  SLUICE_FABRIC_KEY: '/msp/keystore/priv_sk',
};

describe('Fabric settings', () => {
  it('reads SLUICE_FABRIC_* with defaults for channel, chaincode and append timeout', () => {
    expect(fabricSettingsFromEnv(minimal)).toEqual({
      peerEndpoint: '127.0.0.1:7051',
      peerHostAlias: undefined,
      tlsCaCertPath: '/msp/tls/ca.crt',
      tlsClientCertPath: undefined,
      tlsClientKeyPath: undefined,
      mspId: 'RegulatorMSP',
      certPath: '/msp/signcerts/cert.pem',
      keyPath: '/msp/keystore/priv_sk',
      channel: 'sluice',
      chaincode: 'sluice',
      trustAnchorsPath: undefined,
      appendTimeoutMs: 120_000,
    });
  });

  it('round-trips through the env lines fabric:up writes', () => {
    const settings = fabricSettingsFromEnv({
      ...minimal,
      SLUICE_FABRIC_PEER_HOST_ALIAS: 'peer0.regulator.sluice.local',
      SLUICE_FABRIC_APPEND_TIMEOUT_MS: '5000',
      SLUICE_FABRIC_TLS_CLIENT_CERT: '/users/tls/client.crt',
      SLUICE_FABRIC_TLS_CLIENT_KEY: '/users/tls/client.key',
    });
    expect(settings).toMatchObject({ tlsClientCertPath: '/users/tls/client.crt', tlsClientKeyPath: '/users/tls/client.key' });
    expect(fabricSettingsFromEnv(fabricSettingsToEnv(settings))).toEqual(settings);
  });

  it.each([
    ['a missing MSP id', { ...minimal, SLUICE_FABRIC_MSP_ID: '' }, 'SLUICE_FABRIC_MSP_ID'],
    ['an endpoint without a port', { ...minimal, SLUICE_FABRIC_PEER_ENDPOINT: 'peer0' }, 'SLUICE_FABRIC_PEER_ENDPOINT'],
    ['a non-numeric timeout', { ...minimal, SLUICE_FABRIC_APPEND_TIMEOUT_MS: 'soon' }, 'SLUICE_FABRIC_APPEND_TIMEOUT_MS'],
    ['a client TLS certificate without its key', { ...minimal, SLUICE_FABRIC_TLS_CLIENT_CERT: '/users/tls/client.crt' }, 'SLUICE_FABRIC_TLS_CLIENT_KEY'],
    ['a client TLS key without its certificate', { ...minimal, SLUICE_FABRIC_TLS_CLIENT_KEY: '/users/tls/client.key' }, 'SLUICE_FABRIC_TLS_CLIENT_CERT'],
  ])('rejects %s', (_name, env, variable) => {
    expect(() => fabricSettingsFromEnv(env)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { variable } }));
  });

  it('reads trust anchors files and rejects malformed ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-trust-'));
    const good = path.join(dir, 'trust.json');
    fs.writeFileSync(good, JSON.stringify({ orgs: { OperatorMSP: ['-----BEGIN CERTIFICATE-----'] } }));
    expect(readTrustAnchors(good)).toEqual({ orgs: { OperatorMSP: ['-----BEGIN CERTIFICATE-----'] } });
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ orgs: { OperatorMSP: 'one cert' } }));
    expect(() => readTrustAnchors(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => readTrustAnchors(path.join(dir, 'absent.json'))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
