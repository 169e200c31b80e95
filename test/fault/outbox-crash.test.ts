import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openEmbeddedLedger } from '../../ledger/index.ts';
import { runCli } from '../support/cli.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { useGatewayProcess } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { until } from '../support/wait.ts';

/**
 * Kills the gateway (SIGKILL) while transfers are committing and anchoring, restarts it, and
 * checks that every committed transfer ends up anchored exactly once.
 */
describe('crash between database commit and ledger anchoring', () => {
  const harness = useGatewayProcess();

  const pendingRecords = async () => {
    const check = new Database(path.join(harness().dataDir, 'gateway.db'), { readonly: true });
    const pending = (check.prepare('SELECT count(*) AS n FROM outbox WHERE anchored_at IS NULL').get() as { n: number }).n;
    check.close();
    return pending;
  };
  const waitDrained = () => until(pendingRecords, (pending) => pending === 0, 'the outbox records to be anchored', 30_000);

  it('anchors every committed receipt exactly once after a kill -9', async () => {
    const { gateway, url, dataDir, adminToken } = harness();
    await gateway.start();
    const owner: PartyFixture = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const recipient = await registerParty(url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'JP' });
    const dataset = await api(url, 'POST', '/v1/datasets', {
      token: owner.token,
      json: { name: 'd', fields: [{ name: 'id', type: 'string', category: 'personal', subject: true }, { name: 'v', type: 'number' }] },
    });
    await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, {
      token: owner.token,
      json: Array.from({ length: 200 }, (_, i) => ({ id: `P${i}`, v: i })),
    });
    const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: { id: { transform: 'hash' }, v: { transform: 'keep' } } });
    await approveContract(url, owner, contract);

    // Transfers keep arriving from four clients; the gateway dies in the middle of them.
    let stop = false;
    const client = async () => {
      while (!stop) {
        await api(url, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId: contract.id, purpose: 'analytics' } }).catch(() => undefined);
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((r) => setTimeout(r, 2500));
    await gateway.stop('SIGKILL');
    stop = true;
    await Promise.all(clients);

    const db = new Database(path.join(dataDir, 'gateway.db'), { readonly: true });
    const committed = db.prepare('SELECT id FROM transfers').all() as Array<{ id: string }>;
    db.close();
    expect(committed.length).toBeGreaterThan(0);

    await gateway.start();
    await waitDrained();
    await gateway.stop();

    // The other crash window: the ledger took the record but the process died before marking
    // the outbox row. Reproduce that state exactly, restart, and expect no second anchoring.
    const rewind = new Database(path.join(dataDir, 'gateway.db'));
    rewind.prepare('UPDATE outbox SET anchored_at = NULL WHERE id IN (SELECT id FROM transfers ORDER BY created_at LIMIT 5)').run();
    rewind.close();
    await gateway.start();
    await waitDrained();
    await gateway.stop();

    const ledger = await openEmbeddedLedger({ dataDir });
    try {
      for (const { id } of committed) {
        const anchored = await ledger.get(id);
        expect(anchored?.record.type, id).toBe('transfer.receipt');
      }
    } finally {
      await ledger.close();
    }
    const raw = new Database(path.join(dataDir, 'ledger', 'ledger.db'), { readonly: true });
    const receipts = raw.prepare(`SELECT count(*) AS n FROM leaves WHERE record_json LIKE '%"type":"transfer.receipt"%'`).get() as { n: number };
    raw.close();
    const final = new Database(path.join(dataDir, 'gateway.db'), { readonly: true });
    const transfers = (final.prepare('SELECT count(*) AS n FROM transfers').get() as { n: number }).n;
    final.close();
    expect(receipts.n).toBe(transfers);

    const audit = await runCli(['ledger', 'audit', '--data-dir', dataDir]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  });
});
