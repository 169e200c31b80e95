import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import smCrypto from 'sm-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/index.ts';
import { anchorFingerprint, verifyProof } from '../../ledger/index.ts';
import { runCli } from '../support/cli.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { gatewayConfig } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { startKmsProcess } from '../support/kms.ts';
import { startStack, type Stack } from '../support/stack.ts';

const canonicalize = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string;

/**
 * A forgery as an attacker builds it, with independent libraries (sm-crypto, canonicalize): the
 * genuine record re-anchored alone in a one-leaf tree whose head a freshly generated SM2 key
 * signs under the organization name "operator". Internally it is a perfect proof.
 */
function forgeOneLeafProof(record: unknown): { proof: unknown; publicKey: string } {
  const key = smCrypto.sm2.generateKeyPairHex();
  const leaf = smCrypto.sm3([0, ...Buffer.from(canonicalize(record), 'utf8')]);
  const head = { treeSize: 1, rootHash: leaf, timestamp: new Date().toISOString(), blockHeight: 0, previousBlockHash: '0'.repeat(64) };
  const statement = canonicalize({ type: 'sluice.ledger.sth.v1', org: 'operator', ...head });
  const signature = smCrypto.sm2.doSignature(statement, key.privateKey, { hash: true, der: true });
  const treeHead = { ...head, signatures: [{ org: 'operator', alg: 'SM2', publicKey: key.publicKey, signature }] };
  return { proof: { kind: 'embedded', leafIndex: 0, auditPath: [], treeHead }, publicKey: key.publicKey };
}

async function anchoredApproval(url: string, adminToken: string): Promise<{ owner: PartyFixture; regulator: PartyFixture; body: { record: unknown; proof: unknown } }> {
  const owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
  const recipient = await registerParty(url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'SG' });
  const regulator = await registerParty(url, adminToken, { name: 'Regulator', kind: 'regulator', jurisdiction: 'CN' });
  const dataset = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'd', fields: [{ name: 'amount', type: 'number', category: 'general' }] } });
  const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, scenario: 'trade_no_pi', fields: { amount: { transform: 'keep' } } });
  await approveContract(url, owner, contract);
  const anchored = await api(url, 'GET', `/v1/ledger/records/${contract.id}.approved`, { token: regulator.token });
  expect(anchored.status, anchored.text).toBe(200);
  return { owner, regulator, body: anchored.body };
}

describe('trust anchors through the started stack', () => {
  let stack: Stack;
  let work: string;
  let genuine: { record: unknown; proof: unknown };
  let forged: { record: unknown; proof: unknown };
  let regulator: PartyFixture;
  let owner: PartyFixture;
  const files = { genuine: '', forged: '', store: '' };

  beforeAll(async () => {
    stack = await startStack();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-trust-'));
    ({ owner, regulator, body: genuine } = await anchoredApproval(stack.gatewayUrl, stack.adminToken));
    forged = { record: genuine.record, proof: forgeOneLeafProof(genuine.record).proof };
    files.genuine = path.join(work, 'genuine.json');
    files.forged = path.join(work, 'forged.json');
    files.store = path.join(work, 'pinned.json');
    fs.writeFileSync(files.genuine, JSON.stringify(genuine));
    fs.writeFileSync(files.forged, JSON.stringify(forged));
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves its anchors to any token, self-described, and to nobody without one', async () => {
    expect((await api(stack.gatewayUrl, 'GET', '/v1/ledger/trust')).status).toBe(401);
    const trust = await api(stack.gatewayUrl, 'GET', '/v1/ledger/trust', { token: owner.token });
    expect(trust.status, trust.text).toBe(200);
    const operatorKey = fs.readFileSync(path.join(stack.dataDir, 'ledger', 'operator-key.json'), 'utf8');
    const { publicKey, privateKey } = JSON.parse(operatorKey) as { publicKey: string; privateKey: string };
    expect(trust.body).toEqual({
      format: 'sluice.trust.v1',
      ledger: 'embedded',
      orgs: { operator: [publicKey] },
      keys: [{ org: 'operator', role: 'operator', alg: 'SM2', key: publicKey, fingerprint: anchorFingerprint(publicKey) }],
    });
    expect(trust.text).not.toContain(privateKey);
  });

  it('the forgery is a well-built proof, and the gateway says valid only for the genuine one', async () => {
    expect(verifyProof(forged.record, forged.proof)).toEqual({ valid: true });
    const online = (body: unknown) => api(stack.gatewayUrl, 'POST', '/v1/ledger/verify', { token: regulator.token, json: body });
    expect((await online(genuine)).body).toEqual({ valid: true });
    const refused = await online(forged);
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ valid: false, reason: expect.stringMatching(/operator signed block 0 with a key the trust anchors do not list/) });
    expect((await online({ receipt: genuine.record, proof: forged.proof })).body.valid).toBe(false);
  });

  it('sluice verify: unverifiable without anchors, valid with pinned ones, the forgery invalid', async () => {
    const env = { SLUICE_TRUST_STORE: files.store, SLUICE_TOKEN: regulator.token };
    for (const file of [files.genuine, files.forged]) {
      const unpinned = await runCli(['verify', file], { SLUICE_TRUST_STORE: files.store });
      expect(unpinned.code, unpinned.stdout).toBe(3);
      expect(unpinned.stdout).not.toMatch(/^valid/m);
    }
    const pinned = await runCli(['trust', 'pin', stack.gatewayUrl], env);
    expect(pinned.code, pinned.stdout + pinned.stderr).toBe(0);
    const served = (await api(stack.gatewayUrl, 'GET', '/v1/ledger/trust', { token: regulator.token })).body;
    expect(pinned.stdout).toContain(anchorFingerprint(served.orgs.operator[0])!);
    expect(pinned.stdout).toMatch(/pinned in .*trust on first use/);
    expect(pinned.stdout + pinned.stderr).not.toContain(regulator.token);

    const valid = await runCli(['verify', files.genuine], { SLUICE_TRUST_STORE: files.store });
    expect(valid.code, valid.stdout).toBe(0);
    expect(valid.stdout).toContain(`pinned from ${new URL(stack.gatewayUrl).origin}`);
    const invalid = await runCli(['verify', files.forged], { SLUICE_TRUST_STORE: files.store });
    expect(invalid.code, invalid.stdout).toBe(1);
    expect(invalid.stdout).toMatch(/^invalid: organization operator signed block 0 with a key the trust anchors do not list/);

    // The same with the document served by the gateway given as --trust.
    const trustFile = path.join(work, 'trust.json');
    fs.writeFileSync(trustFile, JSON.stringify(served));
    expect((await runCli(['verify', files.forged, '--trust', trustFile])).code).toBe(1);
    expect((await runCli(['verify', files.genuine, '--trust', trustFile])).code).toBe(0);
  });

  it('sluice trust pin refuses silently changed anchors unless the change is accepted', async () => {
    const env = { SLUICE_TRUST_STORE: files.store, SLUICE_TOKEN: regulator.token };
    const again = await runCli(['trust', 'pin', stack.gatewayUrl], env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/unchanged since pinned at/);

    // What this machine pinned differs from what the gateway serves now (as after a key swap).
    const stored = JSON.parse(fs.readFileSync(files.store, 'utf8'));
    const origin = new URL(stack.gatewayUrl).origin;
    const swapped = smCrypto.sm2.generateKeyPairHex().publicKey;
    stored.gateways[origin].anchors = { orgs: { operator: [swapped] } };
    fs.writeFileSync(files.store, JSON.stringify(stored));
    const before = fs.readFileSync(files.store, 'utf8');
    const refused = await runCli(['trust', 'pin', stack.gatewayUrl], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/WARNING: these anchors differ/);
    expect(refused.stdout).toContain(`- operator  -  -  ${anchorFingerprint(swapped)}`);
    expect(fs.readFileSync(files.store, 'utf8')).toBe(before);
    const accepted = await runCli(['trust', 'pin', stack.gatewayUrl, '--accept-changed'], env);
    expect(accepted.code, accepted.stdout).toBe(0);
    expect((await runCli(['verify', files.genuine], { SLUICE_TRUST_STORE: files.store })).code).toBe(0);
  });

  it('sluice trust pin: usage errors and refusals', async () => {
    expect((await runCli(['trust', 'pin'], { SLUICE_TRUST_STORE: files.store })).code).toBe(2);
    expect((await runCli(['trust', 'pin', stack.gatewayUrl], { SLUICE_TRUST_STORE: files.store, SLUICE_TOKEN: '' })).code).toBe(2);
    const wrongToken = await runCli(['trust', 'pin', stack.gatewayUrl], { SLUICE_TRUST_STORE: path.join(work, 'other.json'), SLUICE_TOKEN: 'slc_not_a_real_token_123456' });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/UNAUTHENTICATED/);
    expect(fs.existsSync(path.join(work, 'other.json'))).toBe(false);
  });
});

describe('operator key rotation through HTTP and the CLI', () => {
  it('keeps receipts signed before a rotation verifiable and lists the retired key with its blocks', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-rotate-'));
    const kms = await startKmsProcess();
    const adminToken = `slc_admin_${Date.now()}_rotation`;
    const config = gatewayConfig(kms, { SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: adminToken });
    try {
      let gateway = await startGateway(config);
      const { regulator, body: before } = await anchoredApproval(gateway.url, adminToken);
      const oldTrust = (await api(gateway.url, 'GET', '/v1/ledger/trust', { token: regulator.token })).body;
      await gateway.close();

      // With a database URL the gateways sign with the key sealed in PostgreSQL: the data dir's is left alone.
      const keyFile = path.join(dataDir, 'ledger', 'operator-key.json');
      const keyBefore = fs.readFileSync(keyFile, 'utf8');
      const refused = await runCli(['ledger', 'rotate-key', '--data-dir', dataDir], { SLUICE_DATABASE_URL: 'postgres://sluice@127.0.0.1:1/sluice' });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/lives in PostgreSQL/);
      expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyBefore);

      const rotated = await runCli(['ledger', 'rotate-key', '--data-dir', dataDir]);
      expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
      expect(rotated.stdout).toContain(anchorFingerprint(oldTrust.orgs.operator[0])!);

      gateway = await startGateway(config);
      try {
        const trust = await api(gateway.url, 'GET', '/v1/ledger/trust', { token: regulator.token });
        const operatorKeys = trust.body.keys.filter((k: { role: string }) => k.role === 'operator');
        expect(operatorKeys).toHaveLength(2);
        const old = operatorKeys.find((k: { key: string }) => k.key === oldTrust.orgs.operator[0]);
        const current = operatorKeys.find((k: { key: string }) => k.key !== oldTrust.orgs.operator[0]);
        expect(old).toMatchObject({ fromBlock: 0, untilBlock: expect.any(Number) });
        expect(current.fromBlock).toBe(old.untilBlock + 1);

        // The receipt saved before the rotation still verifies, online and offline.
        expect((await api(gateway.url, 'POST', '/v1/ledger/verify', { token: regulator.token, json: before })).body).toEqual({ valid: true });
        const file = path.join(dataDir, 'before.json');
        fs.writeFileSync(file, JSON.stringify(before));
        const trustFile = path.join(dataDir, 'trust.json');
        fs.writeFileSync(trustFile, JSON.stringify(trust.body));
        expect((await runCli(['verify', file, '--trust', trustFile])).code).toBe(0);
        // New heads carry the new key only; the old record is now proven against one of them.
        const { body: after } = await anchoredApproval(gateway.url, adminToken);
        expect((after.proof as { treeHead: { signatures: { publicKey: string }[] } }).treeHead.signatures[0]!.publicKey).toBe(current.key);
        const { record } = before as { record: { id: string } };
        const fresh = await api(gateway.url, 'GET', `/v1/ledger/records/${record.id}`, { token: regulator.token });
        expect(fresh.body.proof.treeHead.signatures[0].publicKey).toBe(current.key);
        expect((await api(gateway.url, 'POST', '/v1/ledger/verify', { token: regulator.token, json: fresh.body })).body).toEqual({ valid: true });
        expect((await runCli(['ledger', 'audit', '--data-dir', dataDir])).code).toBe(0);
      } finally {
        await gateway.close();
      }
    } finally {
      await kms.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
