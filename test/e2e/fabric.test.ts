import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FabricLedger, fabricSettingsToEnv, verifyFabricProof } from '../../ledger/fabric/index.ts';
import { fabricBinariesPresent, removeNetwork, startNetwork, type FabricNetwork } from '../../scripts/fabric/index.ts';
import { backendAvailable } from '../support/backends.ts';
import { runCli } from '../support/cli.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { api } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** The whole stack anchoring on a real Fabric network (Raft orderer, operator and regulator peers). */
describe.runIf(backendAvailable('Hyperledger Fabric binaries (npm run fabric:up builds them)', fabricBinariesPresent()))(
  'transfers anchored on Hyperledger Fabric',
  () => {
    let root: string;
    let network: FabricNetwork;
    let stack: Stack;
    let regulatorClient: FabricLedger;
    let owner: PartyFixture;
    let recipient: PartyFixture;
    let contractId: string;
    let trustFile: string;

    const receiptOf = async (transferId: string, timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await api(stack.gatewayUrl, 'GET', `/v1/transfers/${transferId}/receipt`, { token: owner.token });
        if (response.status === 200) return response;
        expect([response.status, response.body.error.code]).toEqual([409, 'CONFLICT']);
        if (Date.now() > deadline) throw new Error('receipt never anchored');
        await new Promise((r) => setTimeout(r, 500));
      }
    };

    beforeAll(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-fabric-e2e-'));
      network = await startNetwork({ root });
      trustFile = path.join(root, 'trust.json');
      fs.writeFileSync(trustFile, JSON.stringify(network.trust));
      stack = await startStack({ SLUICE_LEDGER: 'fabric', ...fabricSettingsToEnv({ ...network.clients.operator, trustAnchorsPath: trustFile }) });
      regulatorClient = new FabricLedger(network.clients.regulator);
      owner = await registerParty(stack.gatewayUrl, stack.adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
      recipient = await registerParty(stack.gatewayUrl, stack.adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'GB' });
      const dataset = await api(stack.gatewayUrl, 'POST', '/v1/datasets', {
        token: owner.token,
        json: { name: 'orders', fields: [{ name: 'order', type: 'string', category: 'general' }, { name: 'amount', type: 'number' }] },
      });
      await api(stack.gatewayUrl, 'POST', `/v1/datasets/${dataset.body.id}/records`, {
        token: owner.token,
        json: [{ order: 'A-1', amount: 10 }, { order: 'A-2', amount: 20 }],
      });
      const contract = await proposeContract(stack.gatewayUrl, owner, {
        datasetId: dataset.body.id,
        recipientId: recipient.id,
        scenario: 'trade_no_pi',
        fields: { order: { transform: 'keep' }, amount: { transform: 'keep' } },
      });
      await approveContract(stack.gatewayUrl, owner, contract);
      contractId = contract.id;
    }, 300_000);

    afterAll(async () => {
      await stack?.stop();
      await regulatorClient?.close();
      await network?.stop();
      if (root) await removeNetwork(root);
    }, 120_000);

    it('commits the receipt on the network; the regulator reads and verifies it; an edit fails', async () => {
      const transfer = await api(stack.gatewayUrl, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId, purpose: 'analytics' } });
      expect(transfer.status, transfer.text).toBe(201);
      const receipt = await receiptOf(transfer.body.id);
      expect(receipt.body.proof).toMatchObject({ kind: 'fabric', channel: 'sluice' });
      expect(receipt.body.proof.endorsements.map((e: { org: string }) => e.org).sort()).toEqual(['OperatorMSP', 'RegulatorMSP']);

      const seenByRegulator = await regulatorClient.get(transfer.body.id);
      expect(seenByRegulator?.record).toEqual(transfer.body.receipt);
      expect(verifyFabricProof(seenByRegulator!.record, seenByRegulator!.proof as never, network.trust)).toEqual({ valid: true });

      const file = path.join(root, 'receipt.json');
      fs.writeFileSync(file, receipt.text);
      const valid = await runCli(['verify', file, '--trust', trustFile]);
      expect(valid.code, valid.stdout + valid.stderr).toBe(0);
      const edited = JSON.parse(receipt.text);
      edited.receipt.data.records = 1;
      fs.writeFileSync(file, JSON.stringify(edited));
      const invalid = await runCli(['verify', file, '--trust', trustFile]);
      expect(invalid.code).toBe(1);
    });

    it('serves the MSP roots as its trust anchors, verifies against them, and a regulator pins them', async () => {
      const transfer = await api(stack.gatewayUrl, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId, purpose: 'analytics' } });
      expect(transfer.status, transfer.text).toBe(201);
      const receipt = await receiptOf(transfer.body.id);
      const trust = await api(stack.gatewayUrl, 'GET', '/v1/ledger/trust', { token: recipient.token });
      expect(trust.status, trust.text).toBe(200);
      expect(trust.body).toMatchObject({ format: 'sluice.trust.v1', ledger: 'fabric', orgs: network.trust.orgs });
      expect(trust.body.keys.every((k: { role: string; alg: string }) => k.role === 'msp-root' && k.alg === 'X.509')).toBe(true);
      expect((await api(stack.gatewayUrl, 'POST', '/v1/ledger/verify', { token: owner.token, json: receipt.body })).body).toEqual({ valid: true });
      const edited = JSON.parse(receipt.text);
      edited.receipt.data.records = 1;
      expect((await api(stack.gatewayUrl, 'POST', '/v1/ledger/verify', { token: owner.token, json: edited })).body.valid).toBe(false);

      const file = path.join(root, 'pinned-receipt.json');
      fs.writeFileSync(file, receipt.text);
      const env = { SLUICE_TRUST_STORE: path.join(root, 'pinned.json'), SLUICE_TOKEN: owner.token };
      expect((await runCli(['verify', file], env)).code).toBe(3);
      const pinned = await runCli(['trust', 'pin', stack.gatewayUrl], env);
      expect(pinned.code, pinned.stdout + pinned.stderr).toBe(0);
      expect(pinned.stdout).toMatch(/OperatorMSP  msp-root  X\.509  SHA256:/);
      const verified = await runCli(['verify', file], env);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    });

    it('loses nothing while a peer is down: the receipt anchors after it returns', async () => {
      await network.stopPeer('regulator');
      const transfer = await api(stack.gatewayUrl, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId, purpose: 'analytics' } });
      expect(transfer.status, transfer.text).toBe(201);
      const pending = await api(stack.gatewayUrl, 'GET', `/v1/transfers/${transfer.body.id}/receipt`, { token: owner.token });
      expect([pending.status, pending.body.error.code]).toEqual([409, 'CONFLICT']);
      await network.startPeer('regulator');
      const receipt = await receiptOf(transfer.body.id, 180_000);
      expect(receipt.body.receipt).toEqual(transfer.body.receipt);
      const seenByRegulator = await regulatorClient.get(transfer.body.id);
      expect(verifyFabricProof(seenByRegulator!.record, seenByRegulator!.proof as never, network.trust)).toEqual({ valid: true });
    }, 300_000);
  },
);
