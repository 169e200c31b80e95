import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { api, startStack, type Stack } from '../support/stack.ts';

/** A compute job through `sluice start`: the gateway prepares it, the worker process evaluates it. */
describe('a compute job end to end through the started stack', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('creates a sum over three owners, has the owners approve and releases the plaintext sum', { timeout: 180_000 }, async () => {
    const url = stack.gatewayUrl;
    const requester = await registerParty(url, stack.adminToken, { name: 'Requester', kind: 'overseas', jurisdiction: 'SG' });
    const owners: PartyFixture[] = [];
    const inputs: { datasetId: string; contractId: string }[] = [];
    let expected = 0;
    let rows = 0;
    for (let o = 0; o < 3; o++) {
      const owner = await registerParty(url, stack.adminToken, { name: `Owner ${o}`, kind: 'domestic', jurisdiction: 'CN' });
      owners.push(owner);
      const fields = [
        { name: 'account', type: 'string', category: 'personal', subject: true },
        { name: 'balance', type: 'number', category: 'general' },
      ];
      const dataset = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: `balances-${o}`, fields } });
      const records = Array.from({ length: 3000 + o * 500 }, (_, i) => ({ account: `A${o}-${i}`, balance: ((i * 7919 + o * 104_729) % 2_000_000) - 1_000_000 }));
      expected += records.reduce((s, r) => s + r.balance, 0);
      rows += records.length;
      expect((await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, json: records })).status).toBe(200);
      const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: requester.id, fields: { balance: { transform: 'aggregate' } } });
      await approveContract(url, owner, contract);
      inputs.push({ datasetId: dataset.body.id, contractId: contract.id });
    }

    const created = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { operation: 'sum', column: 'balance', purpose: 'analytics', inputs } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const deadline = Date.now() + 120_000;
    let job = await api(url, 'GET', `/v1/compute/jobs/${id}`, { token: requester.token });
    while (job.body.status !== 'awaiting_approval' && Date.now() < deadline) {
      expect(['queued', 'running']).toContain(job.body.status);
      await new Promise((r) => setTimeout(r, 250));
      job = await api(url, 'GET', `/v1/compute/jobs/${id}`, { token: requester.token });
    }
    expect(job.body).toMatchObject({ status: 'awaiting_approval', progress: 1 });
    expect((await api(url, 'GET', `/v1/compute/jobs/${id}/result`, { token: requester.token })).status).toBe(409);
    for (const owner of owners) expect((await api(url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: owner.token })).status).toBe(200);
    const result = await api(url, 'GET', `/v1/compute/jobs/${id}/result`, { token: requester.token });
    expect(result.body).toEqual({ operation: 'sum', value: expected, n: rows });
  });
});
