import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { api } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** Compute jobs through `sluice start`: the gateway prepares them, the worker process evaluates them. */
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

  it('runs a private join with `sluice psi --sum` against the stack; no process logs an identifier or value of the partner', { timeout: 180_000 }, async () => {
    const url = stack.gatewayUrl;
    const requester = await registerParty(url, stack.adminToken, { name: 'Insurer', kind: 'overseas', jurisdiction: 'SG' });
    const owner = await registerParty(url, stack.adminToken, { name: 'Clinic', kind: 'domestic', jurisdiction: 'CN' });
    const fields = [{ name: 'patient', type: 'string', category: 'personal', subject: true }];
    const dataset = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'patients', fields } });
    const patients = Array.from({ length: 2000 }, (_, i) => ({ patient: `P-${i * 3}` }));
    expect((await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, json: patients })).status).toBe(200);
    const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: requester.id, fields: { patient: { transform: 'aggregate' } } });
    await approveContract(url, owner, contract);
    const created = await api(url, 'POST', '/v1/compute/jobs', {
      token: requester.token,
      json: { operation: 'psi', mode: 'sum', column: 'patient', purpose: 'analytics', inputs: [{ datasetId: dataset.body.id, contractId: contract.id }] },
    });
    expect(created.status, created.text).toBe(201);
    expect((await api(url, 'POST', `/v1/compute/jobs/${created.body.id}/approve`, { token: owner.token })).status).toBe(200);

    // Claims of the insurer's customers: every other one is a patient (ids divisible by 3).
    const claims = Array.from({ length: 1500 }, (_, i) => ({ customer: `P-${i * 2}`, amount: (i * 37) % 500 }));
    const canary = { customer: 'CANARY-P-77Qz', amount: 918_273_645 };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-join-'));
    const file = path.join(dir, 'claims.ndjson');
    fs.writeFileSync(file, [...claims, canary].map((c) => JSON.stringify(c)).join('\n') + '\n');
    const joined = await runCli(['psi', '--server', url, '--job', created.body.id, '--in', file, '--column', 'customer', '--sum', 'amount'], { SLUICE_TOKEN: requester.token });
    expect(joined.code, joined.stderr).toBe(0);
    const shared = claims.filter((c) => Number(c.customer.slice(2)) % 3 === 0 && Number(c.customer.slice(2)) < 6000);
    expect(JSON.parse(joined.stdout)).toMatchObject({ mode: 'sum', elements: 1501, cardinality: shared.length, sum: shared.reduce((a, c) => a + c.amount, 0) });
    expect(stack.output()).not.toContain(canary.customer);
    expect(stack.output()).not.toContain(String(canary.amount));
  });
});
