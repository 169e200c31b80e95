import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { startModelProvider, type ModelProvider } from '../support/model-provider.ts';

const CANARY = '13912340000';

/**
 * The lists the console and the CLI read: each party sees its own objects only (regulators and
 * the admin all), pages hold together, and nothing in them is a record value.
 */
describe('lists of a party’s objects and the regulator’s aggregates', () => {
  // Transfers above 12 records run in the background (202); a KMS stalled by the tests answers late, not never.
  const harness = useGateway('sqlite', { SLUICE_RATE_LIMIT: '1000000', SLUICE_TRANSFER_SYNC_RECORDS: '12', SLUICE_KMS_TIMEOUT_MS: '60000' });
  let ownerA: PartyFixture;
  let ownerB: PartyFixture;
  let recipient1: PartyFixture;
  let recipient2: PartyFixture;
  let regulator: PartyFixture;
  const datasets: string[] = [];
  const contracts: string[] = [];
  let transferId: string;

  const get = (token: string, route: string) => api(harness().url, 'GET', route, { token });
  let provider: ModelProvider | undefined;
  let stalled = false;
  afterAll(async () => {
    if (stalled) harness().kms.signal('SIGCONT');
    await provider?.close();
  });

  beforeAll(async () => {
    const { url, adminToken } = harness();
    ownerA = await registerParty(url, adminToken, { name: 'Owner A', kind: 'domestic', jurisdiction: 'CN' });
    ownerB = await registerParty(url, adminToken, { name: 'Owner B', kind: 'domestic', jurisdiction: 'CN' });
    recipient1 = await registerParty(url, adminToken, { name: 'Recipient 1', kind: 'overseas', jurisdiction: 'SG' });
    recipient2 = await registerParty(url, adminToken, { name: 'Recipient 2', kind: 'overseas', jurisdiction: 'US' });
    regulator = await registerParty(url, adminToken, { name: 'Regulator', kind: 'regulator', jurisdiction: 'CN' });
    for (const [owner, recipient] of [
      [ownerA, recipient1],
      [ownerB, recipient2],
    ] as const) {
      const dataset = await api(url, 'POST', '/v1/datasets', {
        token: owner.token,
        json: { name: `set of ${owner.id}`, fields: [{ name: 'phone', type: 'string', category: 'personal', subject: true }, { name: 'amount', type: 'number', category: 'general' }] },
      });
      datasets.push(dataset.body.id);
      const rows = Array.from({ length: 12 }, (_, i) => ({ phone: i === 0 ? CANARY : `1380000${String(i).padStart(4, '0')}`, amount: i * 10 }));
      await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, json: rows });
      await api(url, 'POST', '/v1/compliance/filings', { token: owner.token, json: { mechanism: 'standard_contract', reference: `SC-${owner.id.slice(4, 10)}`, validFrom: '2026-01-01', validUntil: '2028-12-31' } });
      const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: { phone: { transform: 'keep' }, amount: { transform: 'aggregate' } } });
      contracts.push(contract.id);
      if (owner === ownerA) await approveContract(url, owner, contract);
    }
    // A second, revoked contract of owner A, for status filters and paging.
    const extra = await proposeContract(url, ownerA, { datasetId: datasets[0], recipientId: recipient1.id, fields: { amount: { transform: 'aggregate' } } });
    await api(url, 'POST', `/v1/contracts/${extra.id}/revoke`, { token: ownerA.token });
    contracts.push(extra.id);
    transferId = (await api(url, 'POST', '/v1/transfers', { token: recipient1.token, json: { contractId: contracts[0], purpose: 'analytics' } })).body.id;
  });

  it('GET /v1/me names the caller and nothing secret', async () => {
    const me = await get(ownerA.token, '/v1/me');
    expect(me.body).toMatchObject({ role: 'party', party: { id: ownerA.id, kind: 'domestic', jurisdiction: 'CN', publicKey: ownerA.keys.publicKey } });
    expect(me.text).not.toContain(ownerA.token);
    expect((await get(harness().adminToken, '/v1/me')).body).toEqual({ role: 'admin' });
  });

  it('datasets: owners see their own, recipients those their contracts cover, regulators all', async () => {
    const ids = async (token: string) => ((await get(token, '/v1/datasets')).body.datasets as Array<{ id: string }>).map((d) => d.id);
    expect(await ids(ownerA.token)).toEqual([datasets[0]]);
    expect(await ids(ownerB.token)).toEqual([datasets[1]]);
    expect(await ids(recipient2.token)).toEqual([datasets[1]]);
    expect((await ids(regulator.token)).sort()).toEqual([...datasets].sort());
  });

  it('contracts: each party its own, filtered by status and role, in pages', async () => {
    const ids = async (token: string, query = '') => ((await get(token, `/v1/contracts${query}`)).body.contracts as Array<{ id: string }>).map((c) => c.id);
    expect((await ids(ownerA.token)).sort()).toEqual([contracts[0], contracts[2]].sort());
    expect(await ids(ownerA.token, '?status=revoked')).toEqual([contracts[2]]);
    expect(await ids(ownerA.token, '?role=recipient')).toEqual([]);
    expect(await ids(recipient2.token)).toEqual([contracts[1]]);
    expect(await ids(recipient2.token, '?status=approved')).toEqual([]);
    expect((await ids(regulator.token)).sort()).toEqual([...contracts].sort());
    const first = await get(ownerA.token, '/v1/contracts?limit=1');
    expect(first.body.contracts).toHaveLength(1);
    expect(first.body.contracts[0]).toMatchObject({ recipientName: 'Recipient 1', datasetName: `set of ${ownerA.id}` });
    const second = await get(ownerA.token, `/v1/contracts?limit=1&after=${first.body.next}`);
    expect(second.body.contracts.map((c: { id: string }) => c.id)).not.toContain(first.body.contracts[0].id);
    expect(second.body.next).toBeNull();
    const forged = await get(ownerA.token, `/v1/contracts?after=${Buffer.from(`2026-01-01T00:00:00Z|x' OR 1=1`).toString('base64url')}`);
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('transfers: exporter, recipient and regulators see one; others none; no record value anywhere', async () => {
    const ids = async (token: string, query = '') => ((await get(token, `/v1/transfers${query}`)).body.transfers as Array<{ id: string }>).map((t) => t.id);
    expect(await ids(ownerA.token)).toEqual([transferId]);
    expect(await ids(recipient1.token)).toEqual([transferId]);
    expect(await ids(regulator.token, `?exporterId=${ownerA.id}`)).toEqual([transferId]);
    expect(await ids(ownerB.token)).toEqual([]);
    expect(await ids(recipient2.token)).toEqual([]);
    expect(await ids(regulator.token, '?to=2000-01-01')).toEqual([]);
    const listed = await get(regulator.token, '/v1/transfers');
    expect(listed.body.transfers[0]).toMatchObject({ id: transferId, status: 'completed', progress: 1, records: 12, destination: { country: 'SG' } });
    for (const route of ['/v1/transfers', '/v1/contracts', '/v1/datasets', '/v1/regulator/flows?year=2026']) expect((await get(regulator.token, route)).text).not.toContain(CANARY);
    expect((await get(regulator.token, '/v1/transfers?from=2026-02-31')).status).toBe(400);
  });

  it('contract risk: the owner learns k of the released quasi-identifiers; nobody else may ask', async () => {
    const risk = await get(ownerA.token, `/v1/contracts/${contracts[0]}/risk`);
    expect(risk.body).toEqual({ quasiIdentifiers: ['phone'], k: 1, sampled: 12, minK: null, warn: true });
    expect((await get(recipient1.token, `/v1/contracts/${contracts[0]}/risk`)).status).toBe(403);
    expect((await get(ownerB.token, `/v1/contracts/${contracts[0]}/risk`)).status).toBe(403);
    expect((await get(ownerA.token, `/v1/contracts/${contracts[2]}/risk`)).body).toMatchObject({ quasiIdentifiers: [], k: null });
  });

  it('an AI egress contract (prompts, no dataset) is listed and releases no quasi-identifier', async () => {
    const { url, adminToken } = harness();
    const provider = await registerParty(url, adminToken, { name: 'Model Provider', kind: 'overseas', jurisdiction: 'US', endpoint: 'http://127.0.0.1:9/v1' });
    const egress = await api(url, 'POST', '/v1/contracts', {
      token: ownerB.token,
      json: { kind: 'ai_egress', recipientId: provider.id, purposes: ['drafting'], legalBasis: 'contract', validUntil: '2030-01-01', retentionDays: 30, onwardTransfer: false, destination: { country: 'US', location: 'Oregon' } },
    });
    expect(egress.status).toBe(201);
    const listed = (await get(ownerB.token, '/v1/contracts')).body.contracts as Array<{ id: string; datasetName: string | null; terms: { kind?: string } }>;
    expect(listed.find((c) => c.id === egress.body.id)).toMatchObject({ datasetName: null, terms: { kind: 'ai_egress' } });
    expect((await get(provider.token, '/v1/contracts')).body.contracts.map((c: { id: string }) => c.id)).toEqual([egress.body.id]);
    expect((await get(ownerB.token, `/v1/contracts/${egress.body.id}/risk`)).body).toEqual({ quasiIdentifiers: [], k: null, sampled: 0, minK: null, warn: false });
  });

  it('regulator flows and filings are for regulators, as counts', async () => {
    const year = new Date().getUTCFullYear();
    const flows = await get(regulator.token, `/v1/regulator/flows?year=${year}`);
    expect(flows.body.totals).toEqual({ transfers: 1, records: 12, subjects: 12 });
    expect(flows.body.byDestination).toEqual([{ key: 'SG', transfers: 1, records: 12, subjects: 12 }]);
    expect(flows.body.byCategory).toEqual([{ key: 'personal', transfers: 1, records: 12, subjects: 12 }]);
    expect(flows.body.byMonth.map((b: { key: string }) => b.key)).toHaveLength(1);
    expect((await get(regulator.token, `/v1/regulator/flows?year=${year}&exporter=${ownerB.id}`)).body.totals.transfers).toBe(0);
    for (const token of [ownerA.token, recipient1.token, harness().adminToken]) expect((await get(token, `/v1/regulator/flows?year=${year}`)).status).toBe(403);
    const filings = await get(regulator.token, '/v1/regulator/filings');
    expect(filings.body.filings.map((f: { exporterName: string }) => f.exporterName).sort()).toEqual(['Owner A', 'Owner B']);
    expect((await get(ownerA.token, '/v1/regulator/filings')).status).toBe(403);
  });

  it('compute jobs: listed for the requester and the input owners with what they would reveal, not for others', async () => {
    const job = await api(harness().url, 'POST', '/v1/compute/jobs', {
      token: recipient1.token,
      json: { operation: 'sum', column: 'amount', purpose: 'analytics', inputs: [{ datasetId: datasets[0], contractId: contracts[0] }] },
    });
    expect(job.status).toBe(201);
    const listed = async (token: string) => (await get(token, '/v1/compute/jobs')).body.jobs as Array<Record<string, unknown>>;
    const forOwner = await listed(ownerA.token);
    expect(forOwner).toHaveLength(1);
    expect(forOwner[0]).toMatchObject({ id: job.body.id, operation: 'sum', column: 'amount', purpose: 'analytics', minGroupSize: 10, requesterId: recipient1.id, pending: [ownerA.id] });
    expect((await listed(recipient1.token)).map((j) => j.id)).toEqual([job.body.id]);
    expect(await listed(ownerB.token)).toEqual([]);
    expect(await listed(recipient2.token)).toEqual([]);
    expect((await listed(regulator.token)).map((j) => j.id)).toEqual([job.body.id]);
    expect((await get(ownerA.token, '/v1/compute/jobs?status=released')).body.jobs).toEqual([]);
    expect((await get(harness().adminToken, '/v1/compute/jobs')).status).toBe(403);
  });

  it('lists background transfers with their real status and progress, to the same parties, each once', async () => {
    const { url, kms } = harness();
    const dataset = await api(url, 'POST', '/v1/datasets', {
      token: ownerA.token,
      json: { name: 'larger set', fields: [{ name: 'phone', type: 'string', category: 'personal', subject: true }, { name: 'amount', type: 'number', category: 'general' }] },
    });
    await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: ownerA.token, json: Array.from({ length: 30 }, (_, i) => ({ phone: `1370000${String(i).padStart(4, '0')}`, amount: i })) });
    const contract = await proposeContract(url, ownerA, { datasetId: dataset.body.id, recipientId: recipient1.id, fields: { phone: { transform: 'mask' }, amount: { transform: 'keep' } } });
    await approveContract(url, ownerA, contract);
    const listed = async (token: string, query = '') => (await get(token, `/v1/transfers${query}`)).body.transfers as Array<Record<string, any>>;
    const view = (id: string) => get(recipient1.token, `/v1/transfers/${id}`);
    const until = async (id: string, status: string) => {
      for (let waited = 0; (await view(id)).body.status !== status; waited += 50) {
        if (waited > 60_000) throw new Error(`transfer ${id} never became ${status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    // The KMS stalls (its socket open, nothing refused): the accepted transfer cannot unwrap its keys and stays running.
    kms.signal('SIGSTOP');
    stalled = true;
    const accepted = await api(url, 'POST', '/v1/transfers', { token: recipient1.token, json: { contractId: contract.id, purpose: 'analytics' } });
    expect(accepted.status, accepted.text).toBe(202);
    const running = accepted.body.id as string;
    const [first] = await listed(recipient1.token);
    expect(first).toMatchObject({ id: running, status: 'running', contractId: contract.id, exporterId: ownerA.id, exporterName: 'Owner A', recipientId: recipient1.id, records: 30, subjects: null, mechanism: null, destination: { country: 'SG' } });
    expect(first!.progress).toBeGreaterThanOrEqual(0);
    expect(first!.progress).toBeLessThan(1);
    expect(first!.progress).toBe((await view(running)).body.progress);
    expect((await listed(ownerA.token)).map((t) => t.id)).toContain(running);
    expect((await listed(regulator.token, '?status=running')).map((t) => t.id)).toEqual([running]);
    expect((await listed(recipient1.token, '?status=completed')).map((t) => t.id)).not.toContain(running);
    for (const stranger of [ownerB, recipient2]) expect((await listed(stranger.token)).map((t) => t.id)).not.toContain(running);
    kms.signal('SIGCONT');
    stalled = false;
    await until(running, 'completed');
    const done = (await listed(recipient1.token)).filter((t) => t.id === running);
    expect(done).toEqual([expect.objectContaining({ status: 'completed', progress: 1, records: 30, subjects: 30, mechanism: expect.any(String), packageDigest: expect.stringMatching(/^[0-9a-f]{64}$/) })]);

    // A background transfer that fails shows as failed, with the code it failed with.
    await kms.stop('SIGKILL');
    let failed: string;
    try {
      const refused = await api(url, 'POST', '/v1/transfers', { token: recipient1.token, json: { contractId: contract.id, purpose: 'analytics' } });
      expect(refused.status, refused.text).toBe(202);
      failed = refused.body.id;
      await until(failed, 'failed');
    } finally {
      await kms.start();
    }
    const [latest] = await listed(ownerA.token);
    expect(latest).toMatchObject({ id: failed, status: 'failed', progress: 0, subjects: null, error: { code: 'KMS_UNAVAILABLE', message: expect.any(String) } });
    expect((await listed(recipient1.token, '?status=failed')).map((t) => t.id)).toEqual([failed]);

    // Pages hold together across finished and background transfers: every one exactly once, newest first.
    const everything = (await listed(recipient1.token)).map((t) => t.id);
    expect(everything).toEqual([failed, running, transferId]);
    const paged: string[] = [];
    for (let after = ''; ; ) {
      const page = await get(recipient1.token, `/v1/transfers?limit=1${after ? `&after=${after}` : ''}`);
      paged.push(...page.body.transfers.map((t: { id: string }) => t.id));
      if (page.body.next === null) break;
      after = page.body.next;
    }
    expect(paged).toEqual(everything);
    for (const token of [recipient1.token, ownerA.token, regulator.token]) expect((await get(token, '/v1/transfers')).text).not.toMatch(/1370000\d{4}/);
  });

  it('regulator flows count AI egress calls as their own series, as counts only', async () => {
    const { url, adminToken } = harness();
    const year = new Date().getUTCFullYear();
    const flows = async (query = '') => (await get(regulator.token, `/v1/regulator/flows?year=${year}${query}`)).body;
    const before = await flows();
    expect(before.egress).toEqual({ totals: { calls: 0, subjects: 0 }, byDestination: [], byCategory: [], byMechanism: [], byMonth: [], byEntity: [] });

    provider = await startModelProvider();
    const model = await registerParty(url, adminToken, { name: 'Model Co', kind: 'overseas', jurisdiction: 'US', endpoint: provider.url });
    const contract = await proposeContract(url, ownerB, { kind: 'ai_egress', recipientId: model.id, purposes: ['support'], destination: { country: 'US', location: 'Oregon' } });
    await approveContract(url, ownerB, contract);
    const ask = async (content: string) => {
      const answer = await api(url, 'POST', `/v1/egress/${contract.id}/chat/completions`, { token: ownerB.token, json: { model: 'm', purpose: 'support', messages: [{ role: 'user', content }] } });
      expect(answer.status, answer.text).toBe(200);
      const record = await get(regulator.token, `/v1/ledger/records/${answer.headers.get('x-sluice-egress-id')}`);
      return record.body.record.data as { subjects: { personal: number; sensitive: number }; entities: Record<string, number>; mechanism: string };
    };
    const calls = [await ask(`请回电 ${CANARY} 确认退款`), await ask('请把这段产品说明改写得更简洁。')];
    expect(calls[0]!.entities).toMatchObject({ cn_mobile: 1 });
    expect(calls[1]!.subjects).toEqual({ personal: 0, sensitive: 0 });

    const after = await flows();
    const persons = (c: (typeof calls)[number]) => c.subjects.personal + c.subjects.sensitive;
    const subjects = calls.map(persons).reduce((a, b) => a + b);
    expect(subjects).toBeGreaterThan(0);
    const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
    expect(after.egress.totals).toEqual({ calls: 2, subjects });
    expect(after.egress.byDestination).toEqual([{ key: 'US', calls: 2, subjects }]);
    expect(after.egress.byMonth).toEqual([{ key: month, calls: 2, subjects }]);
    expect(after.egress.byMechanism).toEqual([{ key: calls[0]!.mechanism, calls: 2, subjects }]);
    expect(after.egress.byCategory).toEqual([
      { key: 'general', calls: 1, subjects: 0 },
      { key: 'personal', calls: 1, subjects: calls[0]!.subjects.personal },
    ]);
    expect(after.egress.byEntity).toContainEqual({ key: 'cn_mobile', calls: 1, found: 1 });
    // Dataset transfers are counted as before, apart from the calls.
    expect([after.totals, after.byDestination]).toEqual([before.totals, before.byDestination]);
    expect((await flows(`&exporter=${ownerA.id}`)).egress.totals).toEqual({ calls: 0, subjects: 0 });
    expect((await flows(`&exporter=${ownerB.id}`)).egress.totals).toEqual({ calls: 2, subjects });
    expect((await get(regulator.token, `/v1/regulator/flows?year=${year - 1}`)).body.egress.totals.calls).toBe(0);
    expect((await get(regulator.token, `/v1/regulator/flows?year=${year}`)).text).not.toContain(CANARY);
  });
});
