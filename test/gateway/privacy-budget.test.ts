import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWorker } from '../support/compute.ts';
import { approveContract, proposeContract, registerParty, type ContractFixture, type PartyFixture } from '../support/fixtures.ts';
import { engines, useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { until } from '../support/wait.ts';

/**
 * The owners' privacy budgets are shared state that must hold across everything a gateway
 * goes through: jobs racing for the last of it, jobs that fail and give it back, restarts —
 * on SQLite and on PostgreSQL alike.
 */
describe.each(engines())('privacy budgets on %s', (engine) => {
  const harness = useGateway(engine);
  useWorker(harness);
  let owner: PartyFixture;
  let requester: PartyFixture;
  let datasetId: string;
  let contracts: ContractFixture[];

  const job = (contract: ContractFixture) =>
    api(harness().url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { operation: 'sum', column: 'salary', purpose: 'analytics', inputs: [{ datasetId, contractId: contract.id }] } });
  const spent = async () => {
    const db = harness().gateway.ctx.db as unknown as Kysely<any>;
    const rows = await db.selectFrom('privacy_budgets').select('spent_micros').where('owner_id', '=', owner.id).where('recipient_id', '=', requester.id).execute();
    return rows.reduce((a, r) => a + Number(r.spent_micros), 0);
  };
  const status = async (id: string) => (await api(harness().url, 'GET', `/v1/compute/jobs/${id}`, { token: requester.token })).body.status as string;

  beforeAll(async () => {
    owner = await registerParty(harness().url, harness().adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    requester = await registerParty(harness().url, harness().adminToken, { name: 'Requester', kind: 'overseas', jurisdiction: 'SG' });
    const dataset = await api(harness().url, 'POST', '/v1/datasets', {
      token: owner.token,
      json: { name: 'staff', fields: [{ name: 'id', type: 'string', category: 'personal', subject: true }, { name: 'salary', type: 'number', category: 'personal' }] },
    });
    datasetId = dataset.body.id;
    await api(harness().url, 'POST', `/v1/datasets/${datasetId}/records`, { token: owner.token, json: Array.from({ length: 40 }, (_, i) => ({ id: `P${i}`, salary: 1000 + i })) });
    // Two contracts to one recipient: the budget is the owner's for that recipient, not the contract's.
    const terms = { disclosure: { dp: { epsilon: 0.25, budget: 0.5, period: 'month', bounds: { salary: { lower: 0, upper: 5000 } } } } };
    contracts = [];
    for (let i = 0; i < 2; i++) {
      const contract = await proposeContract(harness().url, owner, { datasetId, recipientId: requester.id, fields: { salary: { transform: 'aggregate' } }, ...terms });
      await approveContract(harness().url, owner, contract);
      contracts.push(contract);
    }
  });

  let first: string;
  let winner: string;

  it('lets exactly one of several jobs racing for the last of a budget through', { timeout: 120_000 }, async () => {
    const created = await job(contracts[0]!);
    expect(created.status, created.text).toBe(201);
    first = created.body.id;
    expect(await spent()).toBe(250_000);
    const racers = await Promise.all(Array.from({ length: 4 }, () => job(contracts[1]!)));
    const won = racers.filter((r) => r.status === 201);
    expect(won).toHaveLength(1);
    winner = won[0]!.body.id;
    for (const lost of racers.filter((r) => r.status !== 201)) {
      expect([lost.status, lost.body.error.code]).toEqual([403, 'PRIVACY_BUDGET_EXHAUSTED']);
      expect(lost.body.error.details).toMatchObject({ remaining: 0, epsilon: 0.25, period: 'month' });
    }
    expect(await spent()).toBe(500_000);
  });

  it('gives the ε of a job that released nothing back, and anchors the refund', { timeout: 120_000 }, async () => {
    expect((await api(harness().url, 'POST', `/v1/contracts/${contracts[1]!.id}/revoke`, { token: owner.token })).status).toBe(200);
    expect((await api(harness().url, 'POST', `/v1/compute/jobs/${winner}/approve`, { token: owner.token })).status).toBe(200);
    await until(() => status(winner), (s) => s === 'failed', 'the job under a revoked contract to fail');
    expect(await spent()).toBe(250_000);
    const refund = await api(harness().url, 'GET', `/v1/ledger/records/${winner}.privacy-refund.${owner.id}.month`, { token: owner.token });
    expect(refund.body.record, refund.text).toMatchObject({ type: 'compute.privacy', data: { action: 'refund', epsilon: 0.25, spent: 0.25 } });
    const again = await job(contracts[0]!);
    expect(again.status, again.text).toBe(201);
    expect(await spent()).toBe(500_000);
  });

  it('keeps what was spent across a restart', { timeout: 120_000 }, async () => {
    await harness().restart();
    const refused = await job(contracts[0]!);
    expect([refused.status, refused.body.error.code]).toEqual([403, 'PRIVACY_BUDGET_EXHAUSTED']);
    expect(await api(harness().url, 'POST', `/v1/compute/jobs/${first}/approve`, { token: owner.token })).toMatchObject({ status: 200 });
    const result = await until(() => api(harness().url, 'GET', `/v1/compute/jobs/${first}/result`, { token: requester.token }), (r) => r.status !== 409, 'the first job’s release');
    expect(result.body).toMatchObject({ operation: 'sum', noise: { epsilon: 0.25 }, budget: { spent: 0.5, remaining: 0 } });
  });
});
