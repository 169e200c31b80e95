import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/index.ts';
import { encryptColumn } from '../../compute/index.ts';
import { discardAbandonedUploads } from '../../gateway/datasets/service.ts';
import { startGateway, type RunningGateway } from '../../gateway/index.ts';
import { freePort } from '../../scripts/ports.ts';
import { backendAvailable } from '../support/backends.ts';
import { approveContract, proposeContract, registerParty, type ContractFixture, type PartyFixture } from '../support/fixtures.ts';
import { api } from '../support/http.ts';
import { startKmsProcess, type RunningKms } from '../support/kms.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../support/postgres.ts';
import { GatewayProcess } from '../support/service.ts';
import { until } from '../support/wait.ts';

/** Records per stored chunk (gateway/datasets/service.ts): an upload this long has chunks on disk. */
const CHUNK_RECORDS = 2000;

/** An NDJSON upload whose body the test writes when it likes, as a slow client would send it. */
function slowUpload(url: string, datasetId: string, token: string) {
  const request = http.request(`${url}/v1/datasets/${datasetId}/records`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
  response.catch(() => undefined);
  return {
    send(from: number, count: number) {
      request.write(Array.from({ length: count }, (_, i) => JSON.stringify({ id: `U${from + i}`, v: 1 })).join('\n') + '\n');
    },
    end: () => (request.end(), response),
    response,
  };
}

/**
 * Gateway A, its own process, and gateway B, in this one, on one PostgreSQL: B's clean-ups of
 * interrupted uploads and of jobs caught `preparing` leave alone what A is still doing, and take
 * what A left when it was SIGKILLed. Contributions to one job are taken one at a time across
 * both gateways.
 */
describe.runIf(backendAvailable('postgresql', postgresInstalled()))('clean-ups and contributions across two gateways on one PostgreSQL', () => {
  let postgres: PostgresServer;
  let kms: RunningKms;
  let a: GatewayProcess;
  let b: RunningGateway;
  let owner: PartyFixture;
  let recipient: PartyFixture;
  let partner: PartyFixture;
  let datasetId: string;
  let contract: ContractFixture;
  let stopped = false;
  const adminToken = `slc_admin_cleanup_${Date.now()}`;

  beforeAll(async () => {
    [postgres, kms] = await Promise.all([startPostgres(), startKmsProcess()]);
    const shared = { SLUICE_DATABASE_URL: postgres.url, SLUICE_KMS_URL: kms.url, SLUICE_KMS_TOKEN: kms.token, SLUICE_ADMIN_TOKEN: adminToken, SLUICE_RATE_LIMIT: '100000' };
    // A waits out a stalled KMS (SIGSTOP below) instead of failing the job it prepares.
    a = new GatewayProcess({ ...shared, SLUICE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-a-')), SLUICE_PORT: String(await freePort()), SLUICE_KMS_TIMEOUT_MS: '60000' }, 'gateway-a');
    await a.start();
    b = await startGateway(loadConfig({ ...shared, SLUICE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-b-')), SLUICE_PORT: '0', SLUICE_LOG_LEVEL: 'silent' }));
    owner = await registerParty(a.url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    recipient = await registerParty(a.url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'JP' });
    partner = await registerParty(a.url, adminToken, { name: 'Partner', kind: 'overseas', jurisdiction: 'DE' });
    const dataset = await api(a.url, 'POST', '/v1/datasets', {
      token: owner.token,
      json: { name: 'd', fields: [{ name: 'id', type: 'string', category: 'personal', subject: true }, { name: 'v', type: 'number' }] },
    });
    datasetId = dataset.body.id;
    expect((await api(b.url, 'POST', `/v1/datasets/${datasetId}/records`, { token: owner.token, json: Array.from({ length: 60 }, (_, i) => ({ id: `P${i}`, v: i })) })).status).toBe(200);
    contract = await proposeContract(a.url, owner, { datasetId, recipientId: recipient.id, fields: { id: { transform: 'hash' }, v: { transform: 'keep' } } });
    await approveContract(a.url, owner, contract);
  }, 120_000);

  afterAll(async () => {
    if (stopped) kms?.signal('SIGCONT');
    await a?.stop();
    await b?.close();
    await kms?.stop();
    await postgres?.stop();
  });

  // What the shared database holds, read through B's connection.
  const db = () => b.ctx.db as unknown as Kysely<any>;
  const stage = async (jobId: string): Promise<{ stage: string; error: string | null } | undefined> => db().selectFrom('compute_jobs').select(['stage', 'error']).where('id', '=', jobId).executeTakeFirst();
  const openUploads = async (): Promise<string[]> => (await db().selectFrom('dataset_uploads').select('id').where('status', '=', 'open').execute()).map((u) => u.id as string);
  const chunksOf = async (uploadId: string) => (await db().selectFrom('dataset_chunks').select('seq').where('upload_id', '=', uploadId).execute()).length;
  const records = async () => Number((await db().selectFrom('datasets').select('record_count').where('id', '=', datasetId).executeTakeFirstOrThrow()).record_count);
  const job = (contributors: string[] = []) => ({ operation: 'sum', column: 'v', purpose: 'analytics', inputs: [{ datasetId, contractId: contract.id }], contributors });
  const preparingJob = () => until(() => db().selectFrom('compute_jobs').select('id').where('stage', '=', 'preparing').execute(), (rows) => rows.length === 1, 'a job being prepared').then((rows) => rows[0]!.id as string);

  it('takes one contribution per contributor and job when the same one reaches both gateways at once', { timeout: 120_000 }, async () => {
    const created = await api(b.url, 'POST', '/v1/compute/jobs', { token: recipient.token, json: job([partner.id]) });
    expect(created.status, created.text).toBe(201);
    const jobId = created.body.id as string;
    const key = (await api(a.url, 'GET', `/v1/compute/jobs/${jobId}/key`, { token: partner.token })).body;
    const column = await encryptColumn(Buffer.from(key.publicKey, 'base64'), [5, 6, 7], key.spec);
    const sent = await Promise.all(
      [a.url, b.url, a.url, b.url].map((url) => api(url, 'POST', `/v1/compute/jobs/${jobId}/contributions`, { token: partner.token, raw: column, contentType: 'application/octet-stream' })),
    );
    expect(sent.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect(sent.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT']);
    expect(['enqueuing', 'evaluating']).toContain((await stage(jobId))!.stage);
  });

  it('moves a job on when its last two contributors upload through different gateways at once', { timeout: 120_000 }, async () => {
    const second = await registerParty(a.url, adminToken, { name: 'Partner 2', kind: 'overseas', jurisdiction: 'FR' });
    const created = await api(a.url, 'POST', '/v1/compute/jobs', { token: recipient.token, json: job([partner.id, second.id]) });
    expect(created.status, created.text).toBe(201);
    const jobId = created.body.id as string;
    const columns = await Promise.all(
      [partner, second].map(async (p) => {
        const key = (await api(a.url, 'GET', `/v1/compute/jobs/${jobId}/key`, { token: p.token })).body;
        return encryptColumn(Buffer.from(key.publicKey, 'base64'), [1, 2], key.spec);
      }),
    );
    const sent = await Promise.all(
      [partner, second].map((p, i) => api([a.url, b.url][i]!, 'POST', `/v1/compute/jobs/${jobId}/contributions`, { token: p.token, raw: columns[i]!, contentType: 'application/octet-stream' })),
    );
    expect(sent.map((r) => r.status)).toEqual([201, 201]);
    expect(['enqueuing', 'evaluating']).toContain((await stage(jobId))!.stage);
  });

  it('leaves an upload and a job another gateway is working on alone', { timeout: 120_000 }, async () => {
    const before = await records();
    const upload = slowUpload(a.url, datasetId, owner.token);
    upload.send(0, 2 * CHUNK_RECORDS + 10);
    const [uploadId] = await until(openUploads, (ids) => ids.length === 1, 'an open upload');
    await until(() => chunksOf(uploadId!), (n) => n >= 2, 'chunks of the open upload');
    expect(await discardAbandonedUploads(b.ctx)).toBe(0);
    expect(await openUploads()).toEqual([uploadId]);

    // A job A is preparing while the KMS stalls: B's sweep (every 2 s) passes it by.
    kms.signal('SIGSTOP');
    stopped = true;
    const creating = api(a.url, 'POST', '/v1/compute/jobs', { token: recipient.token, json: job() });
    const jobId = await preparingJob();
    await new Promise((r) => setTimeout(r, 5000));
    expect(await stage(jobId)).toEqual({ stage: 'preparing', error: null });
    kms.signal('SIGCONT');
    stopped = false;
    const created = await creating;
    expect(created.status, created.text).toBe(201);
    expect(created.body.id).toBe(jobId);
    expect(['enqueuing', 'evaluating']).toContain((await stage(jobId))!.stage);

    upload.send(2 * CHUNK_RECORDS + 10, 5);
    const done = await upload.end();
    expect(done, done.body).toMatchObject({ status: 200 });
    expect(JSON.parse(done.body)).toEqual({ inserted: 2 * CHUNK_RECORDS + 15 });
    expect(await records()).toBe(before + 2 * CHUNK_RECORDS + 15);
  });

  it('takes the upload and the job a SIGKILLed gateway left, and only those', { timeout: 120_000 }, async () => {
    const before = await records();
    const upload = slowUpload(a.url, datasetId, owner.token);
    upload.send(0, CHUNK_RECORDS + 10);
    const [uploadId] = await until(openUploads, (ids) => ids.length === 1, 'an open upload');
    await until(() => chunksOf(uploadId!), (n) => n >= 1, 'a chunk of the open upload');
    kms.signal('SIGSTOP');
    stopped = true;
    void api(a.url, 'POST', '/v1/compute/jobs', { token: recipient.token, json: job() }).catch(() => undefined);
    const jobId = await preparingJob();

    await a.stop('SIGKILL');
    await upload.response.catch(() => undefined);
    kms.signal('SIGCONT');
    stopped = false;
    // The dead gateway's locks ended with its sessions: B takes both.
    await until(() => stage(jobId), (s) => s?.stage === 'failed', 'the dead gateway’s job failed by the survivor’s sweep', 30_000);
    expect((await stage(jobId))!.error).toBe('INTERNAL');
    expect(await discardAbandonedUploads(b.ctx)).toBe(1);
    expect(await openUploads()).toEqual([]);
    expect(await chunksOf(uploadId!)).toBe(0);
    expect(await records()).toBe(before);
  });
});
