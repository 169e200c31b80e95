import { afterAll, describe, expect, it } from 'vitest';
import { HeKeysetClient } from '../../kms/index.ts';
import { approveContract, proposeContract, registerParty } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

const DEADLINE_MS = 2000;

/**
 * The KMS stops answering (SIGSTOP: its socket stays open, nothing is refused) while a compute
 * job is being created: the gateway answers 503 KMS_UNAVAILABLE within its one KMS deadline.
 * Resumed (SIGCONT), the KMS finishes what it had queued; any key set it completes for a job the
 * gateway already dropped is found by the gateway's sweep and destroyed, so no secret key stays in
 * the KMS beyond the live jobs.
 */
describe('a KMS stalled during POST /v1/compute/jobs', () => {
  const harness = useGateway('sqlite', { SLUICE_KMS_TIMEOUT_MS: String(DEADLINE_MS) });
  let stopped = false;
  afterAll(() => {
    if (stopped) harness().kms.signal('SIGCONT');
  });

  it('answers 503 within the deadline and ends with no key set beyond the live jobs', { timeout: 120_000 }, async () => {
    const { url, adminToken, kms } = harness();
    const owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const requester = await registerParty(url, adminToken, { name: 'Analyst', kind: 'overseas', jurisdiction: 'SG' });
    const dataset = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'd', fields: [{ name: 'amount', type: 'number', category: 'general' }] } });
    const rows = Array.from({ length: 40 }, (_, i) => ({ amount: i }));
    expect((await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, json: rows })).status).toBe(200);
    const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: requester.id, scenario: 'trade_no_pi', fields: { amount: { transform: 'aggregate' } } });
    await approveContract(url, owner, contract);
    const job = { operation: 'sum', column: 'amount', purpose: 'analytics', inputs: [{ datasetId: dataset.body.id, contractId: contract.id }] };
    const keysets = new HeKeysetClient({ url: kms.url, token: kms.token, timeoutMs: 10_000 });

    // A live job: no worker runs here, so it waits with its key set.
    const live = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: job });
    expect(live.status, live.text).toBe(201);
    const before = await keysets.live();
    expect(before.map((k) => k.jobId)).toEqual([live.body.id]);

    kms.signal('SIGSTOP');
    stopped = true;
    const started = Date.now();
    const stalled = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: job });
    const elapsed = Date.now() - started;
    kms.signal('SIGCONT');
    stopped = false;
    expect([stalled.status, stalled.body.error.code]).toEqual([503, 'KMS_UNAVAILABLE']);
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(elapsed).toBeLessThan(DEADLINE_MS + 3000);

    // Resumed, the KMS finishes whatever it had queued. Which KMS call the stall caught depends on
    // the job's steps (owner secrets, then the key set); a key set it completes late belongs to a
    // job the gateway already dropped. A late completion is also made certain here: a key set for
    // a job that never existed, as the stalled request would have left.
    await keysets.createKeyset({ jobId: 'job_00000000000000000000000000000000', scheme: 'bfv', operation: 'sum' });
    const deadline = Date.now() + 60_000;
    const orphans = new Set<string>();
    for (;;) {
      const now = await keysets.live();
      for (const k of now) if (k.jobId !== live.body.id) orphans.add(k.keysetId);
      if (orphans.size > 0 && now.length === 1) break;
      if (Date.now() > deadline) throw new Error(`key sets left: ${JSON.stringify(now)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The sweep destroyed every late key set and left the live job's alone.
    expect((await keysets.live()).map((k) => k.keysetId)).toEqual(before.map((k) => k.keysetId));
    const jobs = await harness().gateway.ctx.db.selectFrom('compute_jobs' as never).select(['id' as never]).execute();
    expect(jobs).toHaveLength(1);
    const status = await api(url, 'GET', `/v1/compute/jobs/${live.body.id}`, { token: requester.token });
    expect(status.body.status).not.toBe('failed');
  });
});
