import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fabricBinariesPresent, removeNetwork, startNetwork, type FabricNetwork } from '../../scripts/fabric/index.ts';
import { backendAvailable } from '../../test/support/backends.ts';
import type { FabricProof, LedgerRecord } from '../types.ts';
import { FabricLedger, verifyFabricProof, type AnchoredEvent } from './index.ts';

let sequence = 0;
function receipt(overrides: Partial<LedgerRecord> = {}): LedgerRecord {
  sequence += 1;
  return {
    id: `rcpt-${process.pid}-${sequence}`,
    type: 'transfer.receipt',
    timestamp: new Date().toISOString(),
    contractId: 'ctr-fabric',
    exporterId: 'exp-fabric',
    data: { packageDigest: 'ab'.repeat(32), records: 1_000, fields: ['city', 'ageBand'] },
    ...overrides,
  };
}

function settled<T>(promise: Promise<T>): () => boolean {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

describe.runIf(backendAvailable('Hyperledger Fabric binaries (npm run fabric:up builds them)', fabricBinariesPresent()))(
  'Fabric ledger on a local network',
  () => {
    let root: string;
    let network: FabricNetwork;
    let operator: FabricLedger;
    let regulator: FabricLedger;

    beforeAll(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-fabric-'));
      network = await startNetwork({ root });
      operator = new FabricLedger({ ...network.clients.operator, appendTimeoutMs: 90_000 });
      regulator = new FabricLedger(network.clients.regulator);
    }, 180_000);

    afterAll(async () => {
      await operator?.close();
      await regulator?.close();
      await network?.stop();
      await removeNetwork(root);
    }, 60_000);

    it('commits an appended record, which a regulator client reads and verifies', async () => {
      const record = receipt();
      const events = await regulator.events();
      const proof = (await operator.append(record)) as FabricProof;

      expect(proof).toMatchObject({ kind: 'fabric', channel: 'sluice', chaincode: 'sluice' });
      expect(proof.blockNumber).toBeGreaterThan(0);
      expect(proof.endorsements.map((e) => e.org).sort()).toEqual(['OperatorMSP', 'RegulatorMSP']);

      const anchored = await regulator.get(record.id);
      expect(anchored).toEqual({ record, proof });
      expect(verifyFabricProof(anchored!.record, anchored!.proof as FabricProof, network.trust)).toEqual({ valid: true });
      expect(regulator.verify(record, proof)).toEqual({ valid: true });

      const seen: AnchoredEvent[] = [];
      for await (const event of events) {
        seen.push(event);
        if (event.id === record.id) break;
      }
      events.close();
      expect(seen.at(-1)).toEqual({
        id: record.id,
        type: 'transfer.receipt',
        txId: proof.transactionId,
        contractId: 'ctr-fabric',
        exporterId: 'exp-fabric',
        blockNumber: proof.blockNumber,
      });
    });

    it('fails verification of an edited record or a proof checked against the wrong organizations', async () => {
      const record = receipt();
      const proof = (await operator.append(record)) as FabricProof;
      const edited = { ...record, data: { ...record.data, records: 999 } };
      expect(verifyFabricProof(edited, proof, network.trust)).toEqual({ valid: false, reason: 'record differs from the endorsed record' });
      expect(regulator.verify({ ...record, timestamp: new Date(0).toISOString() }, proof).valid).toBe(false);
      const operatorCa = network.trust.orgs.OperatorMSP ?? [];
      const swapped = { orgs: { OperatorMSP: operatorCa, RegulatorMSP: operatorCa } };
      expect(verifyFabricProof(record, proof, swapped)).toEqual({ valid: false, reason: 'endorser certificate is not issued by a RegulatorMSP CA' });
    });

    it('anchors an id once: the same record again returns its proof, a different one is refused', async () => {
      const record = receipt();
      const proof = await operator.append(record);
      const reordered = { data: record.data, timestamp: record.timestamp, type: record.type, id: record.id, exporterId: record.exporterId, contractId: record.contractId };
      expect(await regulator.append(reordered as LedgerRecord)).toEqual(proof);
      await expect(operator.append({ ...record, data: { records: 1 } })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(operator.append({ ...record, id: '' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('answers queries by contract and by exporter, page by page', async () => {
      const contractId = `ctr-${process.pid}-query`;
      const ids: string[] = [];
      for (const exporterId of ['exp-q1', 'exp-q1', 'exp-q2']) {
        const record = receipt({ contractId, exporterId });
        await operator.append(record);
        ids.push(record.id);
      }
      const first = await regulator.listByContract(contractId, { size: 2 });
      const second = await regulator.listByContract(contractId, { size: 2, bookmark: first.bookmark });
      expect([...first.records, ...second.records].map((r) => r.record.id).sort()).toEqual([...ids].sort());
      expect((await regulator.listByExporter('exp-q2')).records.map((r) => r.record.id)).toEqual([ids[2]]);
      expect(await regulator.get('no-such-record')).toBeUndefined();
    });

    it('refuses a client without a TLS client certificate, whatever identity it signs with', async () => {
      const anonymous = new FabricLedger({ ...network.clients.operator, tlsClientCertPath: undefined, tlsClientKeyPath: undefined, appendTimeoutMs: 2_000 });
      try {
        const record = receipt();
        await expect(anonymous.append(record)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
        expect(await operator.get(record.id)).toBeUndefined();
      } finally {
        await anonymous.close();
      }
    }, 60_000);

    it('runs a chaincode server per organization that accepts only a client with its TLS certificate', async () => {
      const state = JSON.parse(fs.readFileSync(path.join(root, 'network.json'), 'utf8')) as { ports: { peers: Record<'operator' | 'regulator', { chaincodeServer: number }> } };
      const orgDir = (org: string) => path.join(root, 'crypto', 'peerOrganizations', `${org}.sluice.local`);
      const handshake = (port: number, client?: { cert: Buffer; key: Buffer }) =>
        new Promise<string>((resolve) => {
          const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'], ...client });
          // Under TLS 1.3 a refused client learns it from the server's alert, after its own
          // handshake is done: it has to be reading to see it.
          socket.on('secureConnect', () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
          socket.resume();
          const timer = setTimeout(() => (socket.destroy(), resolve('accepted')), 1_000);
          socket.on('close', () => (clearTimeout(timer), resolve('closed')));
          socket.on('error', (error: NodeJS.ErrnoException) => (clearTimeout(timer), resolve(error.code ?? 'error')));
        });
      for (const org of ['operator', 'regulator'] as const) {
        const port = state.ports.peers[org].chaincodeServer;
        const peerTls = path.join(orgDir(org), 'peers', `peer0.${org}.sluice.local`, 'tls');
        const other = org === 'operator' ? 'regulator' : 'operator';
        const otherTls = path.join(orgDir(other), 'peers', `peer0.${other}.sluice.local`, 'tls');
        expect(await handshake(port)).not.toBe('accepted');
        expect(await handshake(port, { cert: fs.readFileSync(path.join(otherTls, 'server.crt')), key: fs.readFileSync(path.join(otherTls, 'server.key')) })).not.toBe('accepted');
        expect(await handshake(port, { cert: fs.readFileSync(path.join(peerTls, 'server.crt')), key: fs.readFileSync(path.join(peerTls, 'server.key')) })).toBe('accepted');
      }
    }, 30_000);

    it('gives up after the append timeout while endorsement stays impossible, and anchors nothing', async () => {
      const impatient = new FabricLedger({ ...network.clients.operator, appendTimeoutMs: 2_000 });
      await network.stopPeer('regulator');
      try {
        const record = receipt();
        await expect(impatient.append(record)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
        expect(await operator.get(record.id)).toBeUndefined();
      } finally {
        await network.startPeer('regulator');
        await impatient.close();
      }
    }, 60_000);

    it.each(['regulator', 'operator'] as const)(
      'loses nothing when the %s peer stops mid-run: append retries until committed after its restart',
      async (org) => {
        const before = receipt();
        await operator.append(before);

        await network.stopPeer(org);
        const record = receipt();
        const appending = operator.append(record);
        const done = settled(appending);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        expect(done()).toBe(false);

        await network.startPeer(org);
        const proof = (await appending) as FabricProof;
        expect(verifyFabricProof(record, proof, network.trust)).toEqual({ valid: true });
        for (const id of [before.id, record.id]) {
          const anchored = await regulator.get(id);
          expect(anchored?.record.id).toBe(id);
          expect(verifyFabricProof(anchored!.record, anchored!.proof as FabricProof, network.trust)).toEqual({ valid: true });
        }
      },
      120_000,
    );
  },
);
