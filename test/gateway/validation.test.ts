import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ISO_3166_ALPHA2 } from '../../gateway/http/countries.ts';
import { runCli } from '../support/cli.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

const DAY = 86_400_000;

describe('validation a hostile caller meets', () => {
  const harness = useGateway('sqlite');
  let owner: PartyFixture;
  let recipient: PartyFixture;
  let regulator: PartyFixture;
  let stranger: PartyFixture;
  let datasetId: string;
  const call = (method: string, route: string, token: string | undefined, json?: unknown) =>
    api(harness().url, method, route, { ...(token ? { token } : {}), ...(json !== undefined ? { json } : {}) });

  beforeAll(async () => {
    const { url, adminToken } = harness();
    owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN', ciio: true });
    recipient = await registerParty(url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'SG' });
    stranger = await registerParty(url, adminToken, { name: 'Stranger', kind: 'overseas', jurisdiction: 'US' });
    regulator = await registerParty(url, adminToken, { name: 'Regulator', kind: 'regulator', jurisdiction: 'CN' });
    const dataset = await call('POST', '/v1/datasets', owner.token, { name: 'd', fields: [{ name: 'note', type: 'string', category: 'general' }, { name: 'amount', type: 'number', category: 'general' }] });
    datasetId = dataset.body.id;
    const rows = Array.from({ length: 20 }, (_, i) => ({ note: `n${i}`, amount: i }));
    expect((await call('POST', `/v1/datasets/${datasetId}/records`, owner.token, rows)).body).toEqual({ inserted: 20 });
  });

  it('refuses invalid UTF-8 alike in JSON, NDJSON and CSV uploads, storing nothing', async () => {
    const invalid = Buffer.from([0xc3, 0x28, 0xff]);
    const bodies: [string, Buffer][] = [
      ['application/json', Buffer.concat([Buffer.from('[{"note":"'), invalid, Buffer.from('","amount":1}]')])],
      ['application/x-ndjson', Buffer.concat([Buffer.from('{"note":"'), invalid, Buffer.from('","amount":1}\n')])],
      ['text/csv', Buffer.concat([Buffer.from('note,amount\n'), invalid, Buffer.from(',1\n')])],
    ];
    for (const [contentType, raw] of bodies) {
      const response = await api(harness().url, 'POST', `/v1/datasets/${datasetId}/records`, { token: owner.token, raw, contentType });
      expect([contentType, response.status, response.body?.error?.code]).toEqual([contentType, 400, 'VALIDATION_FAILED']);
    }
    expect((await call('GET', `/v1/datasets/${datasetId}`, owner.token)).body.records).toBe(20);
    // Every JSON route holds to the same rule: a contract body with a broken byte is refused.
    const contract = Buffer.concat([Buffer.from('{"datasetId":"'), invalid, Buffer.from('"}')]);
    const refused = await api(harness().url, 'POST', '/v1/contracts', { token: owner.token, raw: contract, contentType: 'application/json' });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const valid = await api(harness().url, 'POST', `/v1/datasets/${datasetId}/records`, { token: owner.token, raw: Buffer.from('[{"note":"张三","amount":1}]'), contentType: 'application/json' });
    expect(valid.body).toEqual({ inserted: 1 });
  });

  it('accepts only assigned ISO 3166-1 alpha-2 codes as jurisdictions and destinations', async () => {
    for (const code of ['ZZ', 'XK', 'UK', 'EU', 'AA', 'sg', 'SGP']) {
      const party = await call('POST', '/v1/parties', harness().adminToken, { name: 'x', kind: 'overseas', jurisdiction: code });
      expect([code, party.status, party.body.error.code]).toEqual([code, 400, 'VALIDATION_FAILED']);
      expect(party.text).not.toContain(`"${code}"`);
      const contract = await call('POST', '/v1/contracts', owner.token, {
        datasetId, recipientId: recipient.id, purposes: ['analytics'], legalBasis: 'contract', fields: { note: { transform: 'keep' } },
        validUntil: new Date(Date.now() + DAY).toISOString(), retentionDays: 30, onwardTransfer: false, destination: { country: code, location: 'x' },
      });
      expect([code, contract.status]).toEqual([code, 400]);
    }
    for (const code of ['GB', 'DE', 'AX', 'SS', 'BQ']) {
      expect((await call('POST', '/v1/parties', harness().adminToken, { name: 'x', kind: 'overseas', jurisdiction: code })).status).toBe(201);
    }
  });

  it('keeps the list to assigned codes: each has a country name, codes outside it only reserved ones', () => {
    expect(new Set(ISO_3166_ALPHA2).size).toBe(249);
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of ISO_3166_ALPHA2) expect(names.of(code), code).not.toMatch(new RegExp(`^(${code}|Unknown Region)$`));
  });

  it('answers CONTRACT_NOT_YET_VALID for a contract whose validFrom is ahead, to transfers and compute jobs', async () => {
    const contract = await proposeContract(harness().url, owner, {
      datasetId,
      recipientId: recipient.id,
      scenario: 'trade_no_pi',
      fields: { note: { transform: 'keep' }, amount: { transform: 'aggregate' } },
      validFrom: new Date(Date.now() + DAY).toISOString(),
      validUntil: new Date(Date.now() + 2 * DAY).toISOString(),
    });
    await approveContract(harness().url, owner, contract);
    const transfer = await call('POST', '/v1/transfers', recipient.token, { contractId: contract.id, purpose: 'analytics' });
    expect([transfer.status, transfer.body.error.code]).toEqual([403, 'CONTRACT_NOT_YET_VALID']);
    expect(transfer.body.error.details).toEqual({ validFrom: expect.any(String) });
    const job = await call('POST', '/v1/compute/jobs', recipient.token, { operation: 'sum', column: 'amount', purpose: 'analytics', inputs: [{ datasetId, contractId: contract.id }] });
    expect([job.status, job.body.error.code]).toEqual([403, 'CONTRACT_NOT_YET_VALID']);
  });

  it('lets the admin, the party itself and regulators read a party record, nobody else', async () => {
    const read = (token: string) => call('GET', `/v1/parties/${owner.id}`, token);
    for (const token of [harness().adminToken, owner.token, regulator.token]) {
      const response = await read(token);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: owner.id, ciio: true });
    }
    for (const token of [recipient.token, stranger.token]) {
      const response = await read(token);
      expect([response.status, response.body.error.code]).toEqual([403, 'FORBIDDEN']);
      expect(response.text).not.toContain('ciio');
    }
    const unknown = await call('GET', '/v1/parties/pty_00000000000000000000000000000000', recipient.token);
    expect(unknown.status).toBe(403);
  });

  it('sluice psi takes its token from SLUICE_TOKEN or a file, never from argv', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-psi-token-'));
    fs.writeFileSync(path.join(dir, 'ids.txt'), 'a\nb\n');
    fs.writeFileSync(path.join(dir, 'token'), `${recipient.token}\n`, { mode: 0o600 });
    const job = 'job_00000000000000000000000000000000';
    const base = ['psi', '--server', harness().url, '--job', job, '--in', path.join(dir, 'ids.txt')];
    const argv = await runCli([...base, '--token', recipient.token]);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(/--token would show the token .*SLUICE_TOKEN/);
    expect(argv.stderr + argv.stdout).not.toContain(recipient.token);
    // Both ways reach the gateway with the token: the job is unknown to it, not the caller.
    for (const run of [await runCli(base, { SLUICE_TOKEN: recipient.token }), await runCli([...base, '--token-file', path.join(dir, 'token')])]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/NOT_FOUND/);
    }
    const contribute = await runCli(['compute', 'contribute', '--server', harness().url, '--job', job, '--column', 'x', '--in', path.join(dir, 'ids.txt'), '--token', recipient.token]);
    expect(contribute.code).toBe(2);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
