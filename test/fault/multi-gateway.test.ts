import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyConsistency, verifyProof, type SignedTreeHead, type TrustAnchors } from '../../ledger/index.ts';
import { freePort } from '../../scripts/ports.ts';
import { backendAvailable } from '../support/backends.ts';
import { runCli } from '../support/cli.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { api } from '../support/http.ts';
import { startKmsProcess, type RunningKms } from '../support/kms.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../support/postgres.ts';
import { redisInstalled, startRedis, type RedisServer } from '../support/redis.ts';
import { GatewayProcess, ServiceProcess } from '../support/service.ts';
import { until } from '../support/wait.ts';

const TRANSFERS = 200;
const ROWS = 150;

/**
 * Two gateway processes and a compute worker on one PostgreSQL and one Redis, each with a data
 * dir of its own: nothing is shared but the database, Redis and the KMS. 200 transfers arrive
 * at once, half at each gateway, and one gateway is SIGKILLed while they run.
 */
describe.runIf(backendAvailable('postgresql', postgresInstalled()) && backendAvailable('redis', redisInstalled()))('two gateways and a worker on one PostgreSQL', () => {
  let postgres: PostgresServer;
  let redis: RedisServer;
  let kms: RunningKms;
  let db: pg.Client;
  const services: ServiceProcess[] = [];
  const gateways: GatewayProcess[] = [];
  const adminToken = `slc_admin_multi_${Date.now()}`;

  beforeAll(async () => {
    [postgres, redis, kms] = await Promise.all([startPostgres(), startRedis(), startKmsProcess()]);
    db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    const shared = {
      SLUICE_DATABASE_URL: postgres.url,
      SLUICE_REDIS_URL: redis.url,
      SLUICE_KMS_URL: kms.url,
      SLUICE_LOG_LEVEL: 'warn',
    };
    for (const name of ['gateway-a', 'gateway-b']) {
      const gateway = new GatewayProcess(
        {
          ...shared,
          SLUICE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), `sluice-${name}-`)),
          SLUICE_PORT: String(await freePort()),
          SLUICE_KMS_TOKEN: kms.token,
          SLUICE_ADMIN_TOKEN: adminToken,
          SLUICE_RATE_LIMIT: '100000',
          SLUICE_LEDGER_LEASE_MS: '3000',
        },
        name,
      );
      await gateway.start();
      services.push(gateway);
      gateways.push(gateway);
    }
    // The worker connects as a role that may touch the job artifacts and nothing else, and gets
    // the token `sluice kms worker-token` derives, never the KMS service token.
    await db.query(`CREATE ROLE sluice_worker LOGIN`);
    await db.query(`GRANT SELECT, INSERT ON compute_artifacts TO sluice_worker`);
    const derived = await runCli(['kms', 'worker-token'], { SLUICE_KMS_TOKEN: kms.token });
    expect(derived.code, derived.stderr).toBe(0);
    const worker = new ServiceProcess('worker', 'compute/worker/main.ts', {
      ...shared,
      SLUICE_DATABASE_URL: postgres.url.replace('postgres@', 'sluice_worker@'),
      SLUICE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-worker-')),
      SLUICE_KMS_WORKER_TOKEN: derived.stdout.trim(),
    });
    await worker.start();
    services.push(worker);
  });

  afterAll(async () => {
    for (const service of services.reverse()) await service.stop('SIGTERM');
    await db?.end();
    await kms?.stop();
    await redis?.stop();
    await postgres?.stop();
  });

  const count = async (query: string): Promise<number> => Number((await db.query(query)).rows[0].n);

  it('anchors every acknowledged transfer once through the survivor of a SIGKILL, and both serve verifiable receipts', { timeout: 240_000 }, async () => {
    const [a, b] = gateways as [GatewayProcess, GatewayProcess];
    const owner: PartyFixture = await registerParty(a.url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const recipient = await registerParty(b.url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'JP' });
    const dataset = await api(a.url, 'POST', '/v1/datasets', {
      token: owner.token,
      json: { name: 'd', fields: [{ name: 'id', type: 'string', category: 'personal', subject: true }, { name: 'v', type: 'number' }] },
    });
    const upload = await api(b.url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, json: Array.from({ length: ROWS }, (_, i) => ({ id: `P${i}`, v: i })) });
    expect(upload.body).toEqual({ inserted: ROWS });
    const contract = await proposeContract(a.url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: { id: { transform: 'hash' }, v: { transform: 'keep' } } });
    await approveContract(b.url, owner, contract);

    // A compute job created through A: its encrypted inputs go to the database, where the worker reads them.
    const job = await api(a.url, 'POST', '/v1/compute/jobs', {
      token: recipient.token,
      json: { operation: 'sum', column: 'v', purpose: 'analytics', inputs: [{ datasetId: dataset.body.id, contractId: contract.id }] },
    });
    expect(job.status, job.text).toBe(201);

    // Each transfer takes a different prefix of the rows, so the gateways race to count the same persons.
    const acknowledged: { id: string; via: string }[] = [];
    let headBeforeKill: SignedTreeHead | undefined;
    let killedAt = 0;
    const attempts = Array.from({ length: TRANSFERS }, async (_, i) => {
      const via = i % 2 === 0 ? a : b;
      const send = () =>
        api(via.url, 'POST', '/v1/transfers', {
          token: recipient.token,
          json: { contractId: contract.id, purpose: 'analytics', limit: 1 + ((i * 37) % ROWS) },
        }).catch(() => undefined);
      let response = await send();
      // An overloaded KMS fails a transfer closed (nothing committed); a client tries again.
      for (let retry = 0; response?.status === 503 && retry < 20; retry++) {
        await new Promise((r) => setTimeout(r, 250 + Math.random() * 500));
        response = await send();
      }
      if (response?.status === 201) acknowledged.push({ id: response.body.id, via: via.url });
      else if (via === b || killedAt === 0) throw new Error(`transfer ${i} through ${via.name} failed: ${response?.status} ${response?.text}`);
      if (acknowledged.length === TRANSFERS / 4 && killedAt === 0) {
        killedAt = Date.now();
        headBeforeKill = (await api(a.url, 'GET', '/v1/ledger/head', { token: adminToken })).body;
        await a.stop('SIGKILL');
      }
    });
    await Promise.all(attempts);
    expect(killedAt).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThanOrEqual(TRANSFERS / 2);

    // The survivor anchors what the dead gateway committed but never anchored, on its own.
    for (;;) {
      const pending = await count('SELECT count(*) AS n FROM outbox WHERE anchored_at IS NULL');
      if (pending === 0) break;
      if (Date.now() - killedAt > 20_000) throw new Error(`${pending} outbox records still unanchored 20 s after the kill`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const anchoredWithin = Date.now() - killedAt;
    process.stderr.write(`multi-gateway: ${acknowledged.length} acknowledged transfers; outbox drained ${anchoredWithin} ms after the SIGKILL\n`);
    expect(anchoredWithin).toBeLessThan(20_000);

    // Exactly once: every committed transfer (acknowledged or cut off by the kill) is one receipt leaf.
    const committed = (await db.query('SELECT id, records FROM transfers')).rows as { id: string; records: string }[];
    const ids = new Set(committed.map((t) => t.id));
    for (const { id } of acknowledged) expect(ids.has(id), id).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM ledger.leaves WHERE record_json LIKE '%"type":"transfer.receipt"%'`)).toBe(committed.length);
    expect(await count(`SELECT count(*) AS n FROM transfers t WHERE NOT EXISTS (SELECT 1 FROM ledger.leaves l WHERE l.record_id = t.id)`)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM (SELECT record_id FROM ledger.leaves GROUP BY record_id HAVING count(*) > 1) d')).toBe(0);

    // Compliance: each person counted once, however many transfers on whichever gateway carried them.
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    const status = await api(b.url, 'GET', `/v1/compliance/status?year=${year}`, { token: owner.token });
    expect(status.status, status.text).toBe(200);
    expect(status.body.personal).toBe(Math.max(...committed.map((t) => Number(t.records))));

    // The dead gateway comes back. Both serve the one sealed operator key as their trust anchor,
    // so a regulator who pinned either gateway verifies receipts from both.
    await a.start();
    const operatorKey = (await db.query('SELECT public_key FROM ledger.operator_keys')).rows[0].public_key as string;
    const pinned = new Map<GatewayProcess, { store: string; anchors: TrustAnchors }>();
    for (const gateway of [a, b]) {
      const store = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-pinned-')), 'anchors.json');
      const pin = await runCli(['trust', 'pin', gateway.url, '--token', recipient.token], { SLUICE_TRUST_STORE: store });
      expect(pin.code, pin.stdout + pin.stderr).toBe(0);
      const anchors = (await api(gateway.url, 'GET', '/v1/ledger/trust', { token: recipient.token })).body as TrustAnchors;
      expect(anchors.orgs).toEqual({ operator: [operatorKey] });
      pinned.set(gateway, { store, anchors });
    }
    expect(pinned.get(a)!.anchors).toEqual(pinned.get(b)!.anchors);
    const trust = pinned.get(b)!.anchors;
    // Each receipt is fetched from the gateway that did not acknowledge the transfer, and checked
    // against the anchors pinned from either gateway.
    for (const { id, via } of acknowledged) {
      const other = via === a.url ? b : a;
      const receipt = await api(other.url, 'GET', `/v1/transfers/${id}/receipt`, { token: recipient.token });
      expect(receipt.status, receipt.text).toBe(200);
      for (const [from, { anchors }] of pinned) {
        expect(verifyProof(receipt.body.receipt, receipt.body.proof, anchors), `${id} from ${other.name}, anchors of ${from.name}`).toEqual({ valid: true });
      }
    }
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-multi-'));
    const trustFile = path.join(work, 'trust.json');
    fs.writeFileSync(trustFile, JSON.stringify(trust));
    // `sluice verify` without --trust checks against the pinned anchors, whichever gateway they came from.
    for (const served of [a, b]) {
      const receiptFile = path.join(work, `receipt-${served.name}.json`);
      fs.writeFileSync(receiptFile, (await api(served.url, 'GET', `/v1/transfers/${acknowledged[0]!.id}/receipt`, { token: recipient.token })).text);
      for (const { store } of pinned.values()) {
        const verified = await runCli(['verify', receiptFile], { SLUICE_TRUST_STORE: store });
        expect(verified.code, verified.stdout + verified.stderr).toBe(0);
      }
    }

    // No fork: the head A served before it died is a prefix of the head B serves now.
    const consistency = await api(b.url, 'GET', `/v1/ledger/consistency?fromSize=${headBeforeKill!.treeSize}`, { token: adminToken });
    expect(verifyConsistency(headBeforeKill!, consistency.body.head, consistency.body.proof, trust)).toEqual({ valid: true });
    const audit = await runCli(['ledger', 'audit', '--database-url', postgres.url, '--trust', trustFile]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/^clean: /);

    // The job the dead gateway created: evaluated by the worker, approved and released through B.
    const jobId = job.body.id as string;
    const evaluated = await until(() => api(b.url, 'GET', `/v1/compute/jobs/${jobId}`, { token: recipient.token }), (r) => r.body?.status !== 'queued' && r.body?.status !== 'running', 'the job evaluated');
    expect(evaluated.body.status).toBe('awaiting_approval');
    expect((await api(b.url, 'POST', `/v1/compute/jobs/${jobId}/approve`, { token: owner.token })).status).toBe(200);
    const result = await until(() => api(b.url, 'GET', `/v1/compute/jobs/${jobId}/result`, { token: recipient.token }), (r) => r.status !== 409, 'the job released');
    expect(result.status, result.text).toBe(200);
    expect(result.body).toMatchObject({ operation: 'sum', value: (ROWS * (ROWS - 1)) / 2, n: ROWS });
    // The worker's role reads job artifacts only.
    const asWorker = new pg.Client({ connectionString: postgres.url.replace('postgres@', 'sluice_worker@') });
    await asWorker.connect();
    await expect(asWorker.query('SELECT count(*) FROM transfers')).rejects.toThrow(/permission denied/);
    await asWorker.end();
  });
});
