import { describe, expect, it } from 'vitest';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { engines, useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

const fields = [
  { name: 'person', type: 'string', category: 'personal', subject: true },
  { name: 'diagnosis', type: 'string', category: 'sensitive' },
];

const people = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ person: `P${from + i}`, diagnosis: 'D' }));

describe.each(engines())('compliance enforcement on %s', (engine) => {
  const harness = useGateway(engine);
  let owner: PartyFixture;
  let recipient: PartyFixture;
  let regulator: PartyFixture;
  const call = (method: string, route: string, token: string, json?: unknown) =>
    api(harness().url, method, route, { token, ...(json !== undefined ? { json } : {}) });

  /** A dataset of the given persons under an approved contract releasing the sensitive field. */
  const approvedContract = async (rows: Array<Record<string, string>>, fieldPolicies: Record<string, unknown> = { person: { transform: 'hash' }, diagnosis: { transform: 'hash' } }) => {
    const dataset = await call('POST', '/v1/datasets', owner.token, { name: 'patients', fields });
    await call('POST', `/v1/datasets/${dataset.body.id}/records`, owner.token, rows);
    const contract = await proposeContract(harness().url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: fieldPolicies });
    await approveContract(harness().url, owner, contract);
    return contract.id;
  };
  const transfer = (contractId: string) => call('POST', '/v1/transfers', recipient.token, { contractId, purpose: 'analytics' });

  it('blocks sensitive PI without a filing (R-SC2) and allows it with one', async () => {
    owner = await registerParty(harness().url, harness().adminToken, { name: 'Hospital', kind: 'domestic', jurisdiction: 'CN' });
    recipient = await registerParty(harness().url, harness().adminToken, { name: 'Lab', kind: 'overseas', jurisdiction: 'FR' });
    regulator = await registerParty(harness().url, harness().adminToken, { name: 'CAC', kind: 'regulator', jurisdiction: 'CN' });
    const contractId = await approvedContract(people(0, 50));
    const blocked = await transfer(contractId);
    expect([blocked.status, blocked.body.error.code]).toEqual([403, 'COMPLIANCE_BLOCKED']);
    expect(blocked.body.error.details).toEqual({ mechanism: 'standard_contract_or_certification', rules: expect.arrayContaining(['R-SC2']) });
    const status = await call('GET', '/v1/compliance/status?year=' + new Date().getFullYear(), owner.token);
    expect(status.body).toMatchObject({ personal: 0, sensitive: 0 });

    const year = new Date().getUTCFullYear();
    const filing = await call('POST', '/v1/compliance/filings', owner.token, {
      mechanism: 'standard_contract',
      reference: 'SH-SC-2026-0042',
      validFrom: `${year - 1}-01-01`,
      validUntil: `${year + 1}-12-31`,
    });
    expect(filing.status, filing.text).toBe(201);
    const allowed = await transfer(contractId);
    expect(allowed.status, allowed.text).toBe(201);
    expect(allowed.body.receipt.data).toMatchObject({ mechanism: 'standard_contract_or_certification', filingReference: 'SH-SC-2026-0042' });
  });

  it('counts each person once however many transfers carry them', async () => {
    const contractId = await approvedContract(people(0, 50));
    expect((await transfer(contractId)).status).toBe(201);
    expect((await transfer(contractId)).status).toBe(201);
    const status = await call('GET', `/v1/compliance/status?year=${new Date().getUTCFullYear()}`, owner.token);
    expect(status.status, status.text).toBe(200);
    expect(status.body).toMatchObject({ personal: 50, sensitive: 50, mechanism: 'standard_contract_or_certification' });
  });

  it('lets only one of two racing transfers cross the security-assessment bar (R-SA4)', async () => {
    const bulk = await approvedContract(people(100, 9_500));
    expect((await transfer(bulk)).status).toBe(201);
    const first = await approvedContract(people(20_000, 20_400));
    const second = await approvedContract(people(30_000, 30_400));
    const results = await Promise.all([transfer(first), transfer(second)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 403]);
    const refused = results.find((r) => r.status === 403)!;
    expect(refused.body.error).toMatchObject({ code: 'COMPLIANCE_BLOCKED', details: { mechanism: 'security_assessment', rules: expect.arrayContaining(['R-SA4']) } });
    const status = await call('GET', `/v1/compliance/status?year=${new Date().getUTCFullYear()}`, owner.token);
    expect(status.body.sensitive).toBe(50 + 9_400 + 400);
  });

  it('does not count exports under an exemption scenario (R-EX-COUNT) and refuses core data', async () => {
    const dataset = await call('POST', '/v1/datasets', owner.token, { name: 'staff', fields });
    await call('POST', `/v1/datasets/${dataset.body.id}/records`, owner.token, people(50_000, 50_010));
    const hr = await proposeContract(harness().url, owner, {
      datasetId: dataset.body.id,
      recipientId: recipient.id,
      scenario: 'hr',
      legalBasis: 'hr',
      fields: { person: { transform: 'keep' }, diagnosis: { transform: 'keep' } },
    });
    await approveContract(harness().url, owner, hr);
    const before = await call('GET', `/v1/compliance/status?year=${new Date().getUTCFullYear()}`, owner.token);
    const exempt = await transfer(hr.id);
    expect(exempt.status, exempt.text).toBe(201);
    expect(exempt.body.receipt.data).toMatchObject({ mechanism: 'none', counted: false, rules: expect.arrayContaining(['R-EX4']) });
    const after = await call('GET', `/v1/compliance/status?year=${new Date().getUTCFullYear()}`, owner.token);
    expect(after.body.sensitive).toBe(before.body.sensitive);

    const core = await call('POST', '/v1/datasets', owner.token, { name: 'grid', fields: [{ name: 'layout', type: 'string', category: 'core' }] });
    const refused = await call('POST', '/v1/contracts', owner.token, {
      datasetId: core.body.id,
      recipientId: recipient.id,
      purposes: ['x'],
      legalBasis: 'contract',
      fields: { layout: { transform: 'keep' } },
      validUntil: new Date(Date.now() + 86_400_000).toISOString(),
      retentionDays: 1,
      onwardTransfer: false,
      destination: { country: 'FR', location: 'Paris' },
    });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'CORE_DATA_PROHIBITED']);
  });

  it('assesses scenarios, reports the year and drafts a PIPIA', async () => {
    const assessment = await call('POST', '/v1/compliance/assess', recipient.token, {
      date: '2026-05-01',
      exporter: { ciio: false, ftz: null },
      scenario: 'general',
      modality: null,
      data: { personal: 120000, sensitive: 0, important: false, core: false, personalSincePreviousYear: null, sensitiveSincePreviousYear: null, processedPersons: null },
    });
    expect(assessment.body).toMatchObject({ mechanism: 'standard_contract_or_certification', regime: '2024', rules: ['R-SC1'] });
    const bad = await call('POST', '/v1/compliance/assess', recipient.token, { date: 'yesterday' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);

    const year = new Date().getUTCFullYear();
    const own = await call('GET', `/v1/reports/annual?year=${year}`, owner.token);
    expect(own.status, own.text).toBe(200);
    expect(own.body.exporters).toHaveLength(1);
    expect(own.body.exporters[0].recipients.map((r: { name: string }) => r.name)).toContain('Lab');
    const markdown = await fetch(`${harness().url}/v1/reports/annual?year=${year}&exporter=${owner.id}`, {
      headers: { authorization: `Bearer ${regulator.token}`, accept: 'text/markdown' },
    });
    expect(markdown.headers.get('content-type')).toContain('text/markdown');
    expect(await markdown.text()).toContain('Lab');
    const foreign = await call('GET', `/v1/reports/annual?year=${year}`, recipient.token);
    expect(foreign.status).toBe(403);

    const contracts = await harness().gateway.ctx.db.selectFrom('contracts').select('id').where('owner_id', '=', owner.id).execute();
    const pipia = await fetch(`${harness().url}/v1/contracts/${contracts[0]!.id}/pipia`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(pipia.status).toBe(200);
    const text = await pipia.text();
    expect(text.startsWith('#')).toBe(true);
    expect(text).toContain('diagnosis');
  });
});
