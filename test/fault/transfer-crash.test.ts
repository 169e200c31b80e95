import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../crypto/index.ts';
import { openPackage } from '../../gateway/index.ts';
import { runCli } from '../support/cli.ts';
import { approveContract, proposeContract, registerParty } from '../support/fixtures.ts';
import { useGatewayProcess } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { until } from '../support/wait.ts';

const ROWS = 200_000;
const PERSONS = 150_000;

/**
 * Kills the gateway (SIGKILL) while a background transfer is writing its package, starts it
 * again, and checks that the transfer is carried on by the new process — one transfer, one
 * receipt, its persons counted once, the half-written attempt gone — and that the package opens.
 */
describe('crash in the middle of a background transfer', () => {
  const harness = useGatewayProcess();
  const db = () => new Database(path.join(harness().dataDir, 'gateway.db'), { readonly: true });

  it('resumes an interrupted transfer in the next process and releases it once', { timeout: 240_000 }, async () => {
    const { gateway, url, dataDir, adminToken } = harness();
    await gateway.start();
    const owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const recipient = await registerParty(url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'JP' });
    const year = new Date().getUTCFullYear();
    await api(url, 'POST', '/v1/compliance/filings', { token: owner.token, json: { mechanism: 'standard_contract', reference: 'SC-CRASH', validFrom: `${year - 1}-01-01`, validUntil: `${year + 1}-12-31` } });
    const dataset = await api(url, 'POST', '/v1/datasets', {
      token: owner.token,
      json: { name: 'people', fields: [{ name: 'phone', type: 'string', category: 'personal', subject: true }, { name: 'city', type: 'string', category: 'general' }] },
    });
    const csv = 'phone,city\n' + Array.from({ length: ROWS }, (_, i) => `137${String(i % PERSONS).padStart(8, '0')},City ${i % 13}\n`).join('');
    expect((await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, raw: csv, contentType: 'text/csv' })).body).toEqual({ inserted: ROWS });
    const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: { phone: { transform: 'hash' }, city: { transform: 'keep' } } });
    await approveContract(url, owner, contract);

    const created = await api(url, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId: contract.id, purpose: 'analytics' } });
    expect(created.status, created.text).toBe(202);
    const id = created.body.id as string;
    // Killed once the package is partly written.
    const parts = (attempt?: number) => {
      const check = db();
      try {
        const rows = check.prepare('SELECT attempt FROM transfer_package_parts WHERE transfer_id = ?').all(id) as Array<{ attempt: number }>;
        return rows.filter((r) => attempt === undefined || r.attempt === attempt).length;
      } finally {
        check.close();
      }
    };
    for (let deadline = Date.now() + 60_000; parts() < 3; ) {
      if (Date.now() > deadline) throw new Error('the package was never being written');
      await new Promise((r) => setTimeout(r, 10));
    }
    await gateway.stop('SIGKILL');
    expect(parts(1)).toBeGreaterThanOrEqual(3);
    const interrupted = db();
    expect(interrupted.prepare('SELECT count(*) AS n FROM transfers WHERE id = ?').get(id)).toEqual({ n: 0 });
    interrupted.close();

    await gateway.start();
    const view = await until(() => api(url, 'GET', `/v1/transfers/${id}`, { token: recipient.token }), (v) => v.body.status !== 'running', 'the transfer to be resumed');
    expect(view.body).toEqual({ id, status: 'completed', progress: 1, records: ROWS });
    // Anchoring follows the commit at once; the receipt is served once it is anchored.
    let receipt = await api(url, 'GET', `/v1/transfers/${id}/receipt`, { token: recipient.token });
    for (let tries = 0; receipt.status === 409 && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      receipt = await api(url, 'GET', `/v1/transfers/${id}/receipt`, { token: recipient.token });
    }
    expect(receipt.status, receipt.text).toBe(200);
    const check = db();
    try {
      expect(check.prepare('SELECT attempts, status FROM transfer_jobs WHERE id = ?').get(id)).toEqual({ attempts: 2, status: 'completed' });
      expect(check.prepare('SELECT count(*) AS n FROM transfers WHERE contract_id = ?').get(contract.id)).toEqual({ n: 1 });
      expect(check.prepare("SELECT count(*) AS n FROM outbox WHERE id = ? AND anchored_at IS NOT NULL").get(id)).toEqual({ n: 1 });
      expect(check.prepare('SELECT DISTINCT attempt FROM transfer_package_parts WHERE transfer_id = ?').all(id)).toEqual([{ attempt: 2 }]);
    } finally {
      check.close();
    }
    const status = await api(url, 'GET', `/v1/compliance/status?year=${year}`, { token: owner.token });
    expect(status.body.personal).toBe(PERSONS);

    const pkg = new Uint8Array(await (await fetch(`${url}/v1/transfers/${id}/package`, { headers: { authorization: `Bearer ${recipient.token}` } })).arrayBuffer());
    expect(receipt.body.receipt.data).toMatchObject({ records: ROWS, subjects: PERSONS, packageDigest: createHash('sm3').update(pkg).digest('hex') });
    const records = openPackage(pkg, recipient.keys.privateKey).records;
    let lines = 0;
    for (const byte of records) if (byte === 10) lines++;
    expect(lines).toBe(ROWS);
    // Sealed on the sealing thread in batches: a byte flipped in the middle, a sealed segment's
    // length cut out of the middle, or the tail cut, and the package does not open.
    const flipped = Uint8Array.from(pkg);
    flipped[Math.floor(pkg.length / 2)]! ^= 1;
    const middle = Math.floor(pkg.length / 2), segment = 64 * 1024 + 16;
    const cut = concatBytes(pkg.subarray(0, middle), pkg.subarray(middle + segment));
    for (const forged of [flipped, cut, pkg.subarray(0, pkg.length - 100)]) {
      expect(() => openPackage(forged, recipient.keys.privateKey)).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
    }
    await gateway.stop();
    const audit = await runCli(['ledger', 'audit', '--data-dir', dataDir]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  });
});
