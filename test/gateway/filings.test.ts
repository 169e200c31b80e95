import { beforeAll, describe, expect, it } from 'vitest';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

/**
 * A security assessment is the regulator's approval: an owner filing one itself unblocks
 * nothing until a regulator party confirms it. Declarations (standard contract, certification)
 * stay the owner's word. Every filing event is anchored and every filing listed for regulators.
 */
describe('filings a regulator confirms', () => {
  const harness = useGateway('sqlite');
  let owner: PartyFixture;
  let other: PartyFixture;
  let recipient: PartyFixture;
  let regulator: PartyFixture;
  let contractId: string;
  const call = (method: string, route: string, token: string, json?: unknown) => api(harness().url, method, route, { token, ...(json !== undefined ? { json } : {}) });
  const year = new Date().getUTCFullYear();
  const validity = { validFrom: `${year - 1}-01-01`, validUntil: `${year + 2}-12-31` };
  const transfer = () => call('POST', '/v1/transfers', recipient.token, { contractId, purpose: 'analytics' });

  beforeAll(async () => {
    const { url, adminToken } = harness();
    // A CIIO providing personal information abroad needs a security assessment (R-SA1).
    owner = await registerParty(url, adminToken, { name: 'Grid operator', kind: 'domestic', jurisdiction: 'CN', ciio: true });
    other = await registerParty(url, adminToken, { name: 'Retailer', kind: 'domestic', jurisdiction: 'CN' });
    recipient = await registerParty(url, adminToken, { name: 'Partner', kind: 'overseas', jurisdiction: 'SG' });
    regulator = await registerParty(url, adminToken, { name: 'CAC', kind: 'regulator', jurisdiction: 'CN' });
    const dataset = await call('POST', '/v1/datasets', owner.token, { name: 'meters', fields: [{ name: 'mobile', type: 'string', category: 'personal', subject: true }, { name: 'kwh', type: 'number', category: 'general' }] });
    await call('POST', `/v1/datasets/${dataset.body.id}/records`, owner.token, [{ mobile: '13800000001', kwh: 3 }, { mobile: '13800000002', kwh: 5 }]);
    const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: { mobile: { transform: 'hash' }, kwh: { transform: 'keep' } } });
    await approveContract(url, owner, contract);
    contractId = contract.id;
  });

  it('a self-filed security assessment covers nothing until a regulator confirms it', async () => {
    const blocked = await transfer();
    expect([blocked.status, blocked.body.error.code, blocked.body.error.details.mechanism]).toEqual([403, 'COMPLIANCE_BLOCKED', 'security_assessment']);
    const filed = await call('POST', '/v1/compliance/filings', owner.token, { mechanism: 'security_assessment', reference: 'CAC-SA-2026-17', ...validity });
    expect(filed.status, filed.text).toBe(201);
    expect(filed.body).toMatchObject({ status: 'awaiting_confirmation', confirmedAt: null, confirmedBy: null, ledger: expect.stringMatching(/^filing\.[0-9a-f]{32}\.recorded$/) });
    const stillBlocked = await transfer();
    expect([stillBlocked.status, stillBlocked.body.error.code]).toEqual([403, 'COMPLIANCE_BLOCKED']);

    for (const token of [owner.token, recipient.token, harness().adminToken]) {
      const refused = await call('POST', '/v1/compliance/filings/confirm', token, { exporterId: owner.id, reference: 'CAC-SA-2026-17' });
      expect(refused.status).toBe(403);
    }
    const confirmed = await call('POST', '/v1/compliance/filings/confirm', regulator.token, { exporterId: owner.id, reference: 'CAC-SA-2026-17' });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'confirmed', confirmedBy: regulator.id, confirmedAt: expect.any(String), ledger: expect.stringMatching(/\.confirmed$/) });
    const done = await transfer();
    expect(done.status, done.text).toBe(201);

    // Both events are on the ledger and verify against the gateway's anchors.
    for (const id of [filed.body.ledger, confirmed.body.ledger]) {
      const anchored = await call('GET', `/v1/ledger/records/${id}`, regulator.token);
      expect(anchored.status, anchored.text).toBe(200);
      expect(anchored.body.record).toMatchObject({ type: 'audit.event', exporterId: owner.id, data: { mechanism: 'security_assessment', reference: 'CAC-SA-2026-17' } });
      expect((await call('POST', '/v1/ledger/verify', regulator.token, anchored.body)).body).toEqual({ valid: true });
    }
    const again = await call('POST', '/v1/compliance/filings/confirm', regulator.token, { exporterId: owner.id, reference: 'CAC-SA-2026-17' });
    expect(again.body.confirmedAt).toBe(confirmed.body.confirmedAt);
    const unknown = await call('POST', '/v1/compliance/filings/confirm', regulator.token, { exporterId: owner.id, reference: 'nope' });
    expect(unknown.status).toBe(404);
  });

  it('declarations stay the owner’s word, anchored; regulators list every exporter’s filings', async () => {
    const declared = await call('POST', '/v1/compliance/filings', other.token, { mechanism: 'standard_contract', reference: 'SH-SC-9', ...validity });
    expect(declared.body).toMatchObject({ status: 'declared', ledger: expect.any(String) });
    const anchored = await call('GET', `/v1/ledger/records/${declared.body.ledger}`, regulator.token);
    expect(anchored.body.record.data).toMatchObject({ event: 'filing.recorded', mechanism: 'standard_contract', status: 'declared' });
    const notConfirmable = await call('POST', '/v1/compliance/filings/confirm', regulator.token, { exporterId: other.id, reference: 'SH-SC-9' });
    expect([notConfirmable.status, notConfirmable.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);

    const all = await call('GET', '/v1/compliance/filings', regulator.token);
    expect(all.body.filings.map((f: { exporterId: string; reference: string }) => `${f.exporterId}/${f.reference}`).sort()).toEqual([`${other.id}/SH-SC-9`, `${owner.id}/CAC-SA-2026-17`].sort());
    const one = await call('GET', `/v1/compliance/filings?exporter=${other.id}`, regulator.token);
    expect(one.body.filings).toHaveLength(1);
    const own = await call('GET', '/v1/compliance/filings', other.token);
    expect(own.body.filings.map((f: { reference: string }) => f.reference)).toEqual(['SH-SC-9']);
    expect((await call('GET', `/v1/compliance/filings?exporter=${owner.id}`, other.token)).status).toBe(403);
    expect((await call('GET', '/v1/compliance/filings', recipient.token)).status).toBe(403);
  });
});
