import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig } from '../common/index.ts';
import { startComputeWorker } from '../compute/index.ts';
import { startGateway, type RunningGateway } from '../gateway/index.ts';
import { deriveWorkerToken, keygen } from '../kms/index.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../test/support/fixtures.ts';
import { api } from '../test/support/http.ts';
import { startKmsProcess } from '../test/support/kms.ts';
import { cpuSince } from './compute.bench.ts';

export interface JobStack {
  url: string;
  gateway: RunningGateway;
  requester: PartyFixture;
  owners: PartyFixture[];
  inputs: { datasetId: string; contractId: string }[];
  close(): Promise<void>;
}

/**
 * A gateway in this process on SQLite, the KMS as its own process, a worker in this process,
 * and one owner per column with a dataset of `v` (uploading is set-up, not measured) under a
 * contract that lets the requester aggregate it.
 */
export async function startJobStack(columns: readonly Float64Array[]): Promise<JobStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-gw-'));
  const kms = await startKmsProcess({ SLUICE_DATA_DIR: path.join(dir, 'kms') });
  const config = loadConfig({
    SLUICE_DATA_DIR: path.join(dir, 'gateway'),
    SLUICE_PORT: '0',
    SLUICE_KMS_URL: kms.url,
    SLUICE_KMS_TOKEN: kms.token,
    SLUICE_ADMIN_TOKEN: `slc_admin_bench_${Date.now()}`,
    SLUICE_LOG_LEVEL: 'warn',
    SLUICE_RATE_LIMIT: '1000000',
  });
  const gateway = await startGateway(config);
  const worker = await startComputeWorker({ dataDir: config.dataDir, kmsUrl: kms.url, workerToken: deriveWorkerToken(kms.token), logger: createLogger('compute-worker', 'warn') });
  const close = async () => {
    await worker.close();
    await gateway.close();
    await kms.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = gateway.url;
    const requester = await registerParty(url, config.adminToken!, { name: 'Requester', kind: 'overseas', jurisdiction: 'SG' });
    const owners: PartyFixture[] = [];
    const inputs = [];
    for (const [i, values] of columns.entries()) {
      const owner = await registerParty(url, config.adminToken!, { name: `Owner ${i}`, kind: 'domestic', jurisdiction: 'CN' });
      owners.push(owner);
      const dataset = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: `owner-${i}`, fields: [{ name: 'v', type: 'number', category: 'general' }] } });
      const upload = await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, json: Array.from(values, (v) => ({ v })) });
      if (upload.status !== 200) throw new Error(`upload failed: ${upload.text}`);
      const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: requester.id, fields: { v: { transform: 'aggregate' } } });
      await approveContract(url, owner, contract);
      inputs.push({ datasetId: dataset.body.id, contractId: contract.id });
    }
    // A running gateway has started its encryption threads long before a job arrives.
    await gateway.ctx.compute.encryption.encryptColumns((await keygen('bfv')).publicKey, [[1]], { operation: 'sum' });
    return { url, gateway, requester, owners, inputs, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * One sum job as its requester sees it, `POST /v1/compute/jobs` to `GET …/result`, the owners
 * approving as soon as it is evaluated; `pushdown` as the request sets it (absent: the
 * gateway's default, push-down). Seconds, and the CPU seconds of this process (gateway, its
 * threads, the worker; not the KMS or the job's child): on a shared machine they show what the
 * job cost when wall time does not.
 */
export async function timeSumJob(stack: JobStack, expected: number, pushdown?: boolean): Promise<{ total: number; created: number; evaluated: number; cpu: number }> {
  const { url, requester } = stack;
  const job = (id: string) => api(url, 'GET', `/v1/compute/jobs/${id}`, { token: requester.token });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const body = { operation: 'sum', column: 'v', purpose: 'analytics', inputs: stack.inputs, ...(pushdown === undefined ? {} : { pushdown }) };
  const created = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: body });
  if (created.status !== 201) throw new Error(`job refused: ${created.text}`);
  const createdAt = performance.now();
  const id = created.body.id as string;
  while ((await job(id)).body.status !== 'awaiting_approval') await new Promise((r) => setTimeout(r, 20));
  const evaluatedAt = performance.now();
  for (const owner of stack.owners) await api(url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: owner.token });
  const result = await api(url, 'GET', `/v1/compute/jobs/${id}/result`, { token: requester.token });
  const total = (performance.now() - started) / 1000;
  if (result.status !== 200 || result.body.value !== expected) throw new Error(`released sum differs from the plaintext sum: ${result.text}`);
  return { total, created: (createdAt - started) / 1000, evaluated: (evaluatedAt - createdAt) / 1000, cpu: cpuSince(cpu) };
}
