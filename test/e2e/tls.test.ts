import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceClient, type TlsClientSettings } from '../../common/index.ts';
import { sm2GenerateKeyPair } from '../../crypto/index.ts';
import { runCli } from '../support/cli.ts';
import { signTerms } from '../support/fixtures.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** A CA and certificates made with the openssl CLI, as an operator would make them. */
function makePki(dir: string): Record<string, string> {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) =>
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const issue = (name: string, issuer: string, usage: string) => {
    fs.writeFileSync(file(`${name}.ext`), `subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=${usage}\n`);
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  ca('sluice-ca');
  ca('rogue-ca');
  issue('kms', 'sluice-ca', 'serverAuth');
  issue('gateway', 'sluice-ca', 'serverAuth');
  issue('service-client', 'sluice-ca', 'clientAuth');
  issue('rogue-client', 'rogue-ca', 'clientAuth');
  return Object.fromEntries(['sluice-ca', 'kms', 'gateway', 'service-client', 'rogue-client'].flatMap((n) => [[`${n}.pem`, file(`${n}.pem`)], [`${n}.key`, file(`${n}.key`)]]));
}

const read = (file: string) => fs.readFileSync(file, 'utf8');

describe('TLS and mutual TLS between gateway, worker and KMS', () => {
  let dir: string;
  let pki: Record<string, string>;
  let stack: Stack;
  let gatewayUrl: string;
  let kmsUrl: string;
  let gateway: ServiceClient;

  /** JSON to the gateway over HTTPS, trusting only the test CA. */
  const call = async (method: string, route: string, token: string, json?: unknown) =>
    gateway.request(gatewayUrl + route, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  const kmsWith = async (tls: TlsClientSettings, token = stack.kmsToken) => new ServiceClient(kmsUrl, 5000, tls).request(`${kmsUrl}/v1/keys?limit=1`, { method: 'GET', headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tls-'));
    pki = makePki(dir);
    stack = await startStack({
      SLUICE_TLS_CA: pki['sluice-ca.pem']!,
      SLUICE_KMS_TLS_CERT: pki['kms.pem']!,
      SLUICE_KMS_TLS_KEY: pki['kms.key']!,
      SLUICE_KMS_TLS_CLIENT_AUTH: 'require',
      SLUICE_TLS_CLIENT_CERT: pki['service-client.pem']!,
      SLUICE_TLS_CLIENT_KEY: pki['service-client.key']!,
      SLUICE_GATEWAY_TLS_CERT: pki['gateway.pem']!,
      SLUICE_GATEWAY_TLS_KEY: pki['gateway.key']!,
    });
    gatewayUrl = stack.gatewayUrl.replace('http:', 'https:');
    kmsUrl = stack.kmsUrl.replace('http:', 'https:');
    gateway = new ServiceClient(gatewayUrl, 30_000, { ca: read(pki['sluice-ca.pem']!) });
  }, 180_000);

  afterAll(async () => {
    gateway?.close();
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the KMS speaks only TLS and only to clients with a certificate from the service CA', async () => {
    expect(stack.output()).toContain(`KMS ${kmsUrl}`);
    const ca = read(pki['sluice-ca.pem']!);
    const client = { ca, cert: read(pki['service-client.pem']!), key: read(pki['service-client.key']!) };
    expect((await kmsWith(client)).status).toBe(200);
    // The certificate opens the connection; the service token is still required behind it.
    expect((await kmsWith(client, 'kms_wrong_token_1234567')).status).toBe(401);
    await expect(kmsWith({ ca })).rejects.toThrow();
    await expect(kmsWith({ ca, cert: read(pki['rogue-client.pem']!), key: read(pki['rogue-client.key']!) })).rejects.toThrow();
    await expect(kmsWith({ cert: client.cert, key: client.key })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    await expect(new ServiceClient(stack.kmsUrl, 5000).request(`${stack.kmsUrl}/healthz`, { method: 'GET' })).rejects.toThrow();
  });

  it('the gateway serves HTTPS, and a compute job runs end to end over mutual TLS to the KMS', { timeout: 120_000 }, async () => {
    await expect(new ServiceClient(stack.gatewayUrl, 5000).request(`${stack.gatewayUrl}/healthz`, { method: 'GET' })).rejects.toThrow();
    await expect(new ServiceClient(gatewayUrl, 5000).request(`${gatewayUrl}/healthz`, { method: 'GET' })).rejects.toThrow();
    expect((await call('GET', '/healthz', 'none')).status).toBe(200);

    const register = async (body: Record<string, unknown>) => {
      const keys = sm2GenerateKeyPair();
      const created = await call('POST', '/v1/parties', stack.adminToken, { ...body, publicKey: keys.publicKey });
      expect(created.status).toBe(201);
      return { ...(created.body as { id: string; token: string }), keys };
    };
    const owner = await register({ name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const analyst = await register({ name: 'Analyst', kind: 'overseas', jurisdiction: 'SG' });
    const dataset = await call('POST', '/v1/datasets', owner.token, { name: 'd', fields: [{ name: 'amount', type: 'number', category: 'general' }] });
    const datasetId = (dataset.body as { id: string }).id;
    const rows = Array.from({ length: 30 }, (_, i) => ({ amount: i }));
    expect((await call('POST', `/v1/datasets/${datasetId}/records`, owner.token, rows)).body).toEqual({ inserted: 30 });
    const proposed = await call('POST', '/v1/contracts', owner.token, {
      datasetId, recipientId: analyst.id, purposes: ['analytics'], legalBasis: 'contract', scenario: 'trade_no_pi', fields: { amount: { transform: 'aggregate' } },
      validUntil: new Date(Date.now() + 86_400_000).toISOString(), retentionDays: 30, onwardTransfer: false, destination: { country: 'SG', location: 'Singapore' },
    });
    const contract = proposed.body as { id: string; terms: unknown };
    expect((await call('POST', `/v1/contracts/${contract.id}/approve`, owner.token, { signature: signTerms(contract.terms, owner.keys.privateKey) })).status).toBe(200);
    const job = await call('POST', '/v1/compute/jobs', analyst.token, { operation: 'sum', column: 'amount', purpose: 'analytics', inputs: [{ datasetId, contractId: contract.id }] });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    const jobId = (job.body as { id: string }).id;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const status = (await call('GET', `/v1/compute/jobs/${jobId}`, analyst.token)).body as { status: string };
      if (status.status === 'awaiting_approval') break;
      expect(status.status).not.toBe('failed');
      if (Date.now() > deadline) throw new Error('the worker never evaluated the job');
      await new Promise((r) => setTimeout(r, 300));
    }
    expect((await call('POST', `/v1/compute/jobs/${jobId}/approve`, owner.token)).status).toBe(200);
    for (;;) {
      const result = await call('GET', `/v1/compute/jobs/${jobId}/result`, analyst.token);
      if (result.status === 200) {
        expect(result.body).toEqual({ operation: 'sum', value: (29 * 30) / 2, n: 30 });
        break;
      }
      if (Date.now() > deadline) throw new Error('the result was never released');
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  it('the CLI reaches the HTTPS gateway with the CA in NODE_EXTRA_CA_CERTS', async () => {
    const pinned = await runCli(['trust', 'pin', gatewayUrl], { SLUICE_TOKEN: stack.adminToken, SLUICE_TRUST_STORE: path.join(dir, 'anchors.json'), NODE_EXTRA_CA_CERTS: pki['sluice-ca.pem']! });
    expect(pinned.code, pinned.stdout + pinned.stderr).toBe(0);
    const untrusted = await runCli(['trust', 'pin', gatewayUrl], { SLUICE_TOKEN: stack.adminToken, SLUICE_TRUST_STORE: path.join(dir, 'other.json') });
    expect(untrusted.code).toBe(1);
  });
});
