import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig } from '../common/index.ts';
import { keygen, startComputeWorker } from '../compute/index.ts';
import { startGateway } from '../gateway/index.ts';
import { deriveWorkerToken } from '../kms/index.ts';
import { approveContract, proposeContract, registerParty } from '../test/support/fixtures.ts';
import { startKmsProcess } from '../test/support/kms.ts';
import { api } from '../test/support/stack.ts';
import { column, paillierSecondsPerValue } from './compute.bench.ts';
import type { BenchResult } from './types.ts';

/**
 * A compute job through the gateway, as a requester sees it: `POST /v1/compute/jobs` over the
 * owners' stored datasets (decrypt, key set in the KMS, encrypt, store), the worker's sandboxed
 * evaluation, the owners' approvals and the release (KMS decrypt) until `GET …/result` answers.
 * The gateway runs in this process, the KMS as its own process, the worker in this process.
 * Sizes: SLUICE_BENCH_HE_VALUES (per owner, default 2^20), SLUICE_BENCH_HE_OWNERS (3),
 * SLUICE_BENCH_PAILLIER_SAMPLE (20). Uploading the datasets is set-up, not measured.
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export async function run(): Promise<BenchResult[]> {
  const perOwner = env('SLUICE_BENCH_HE_VALUES', 2 ** 20);
  const owners = env('SLUICE_BENCH_HE_OWNERS', 3);
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
  try {
    const url = gateway.url;
    const requester = await registerParty(url, config.adminToken!, { name: 'Requester', kind: 'overseas', jurisdiction: 'SG' });
    const columns = Array.from({ length: owners }, (_, i) => column(perOwner, i + 1));
    const parties = [];
    const inputs = [];
    for (const [i, values] of columns.entries()) {
      const owner = await registerParty(url, config.adminToken!, { name: `Owner ${i}`, kind: 'domestic', jurisdiction: 'CN' });
      parties.push(owner);
      const dataset = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: `owner-${i}`, fields: [{ name: 'v', type: 'number', category: 'general' }] } });
      const records = Array.from(values, (v) => ({ v }));
      const upload = await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, json: records });
      if (upload.status !== 200) throw new Error(`upload failed: ${upload.text}`);
      const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: requester.id, fields: { v: { transform: 'aggregate' } } });
      await approveContract(url, owner, contract);
      inputs.push({ datasetId: dataset.body.id, contractId: contract.id });
    }
    const expected = columns.reduce((sum, c) => sum + c.reduce((a, b) => a + b, 0), 0);
    // A running gateway has started its encryption threads long before a job arrives.
    await gateway.ctx.compute.encryption.encryptColumns((await keygen('bfv')).publicKey, [[1]], { operation: 'sum' });
    const job = (id: string) => api(url, 'GET', `/v1/compute/jobs/${id}`, { token: requester.token });

    const started = performance.now();
    const created = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { operation: 'sum', column: 'v', purpose: 'analytics', inputs } });
    if (created.status !== 201) throw new Error(`job refused: ${created.text}`);
    const createdAt = performance.now();
    const id = created.body.id as string;
    while ((await job(id)).body.status !== 'awaiting_approval') await new Promise((r) => setTimeout(r, 50));
    const evaluatedAt = performance.now();
    for (const owner of parties) await api(url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: owner.token });
    const result = await api(url, 'GET', `/v1/compute/jobs/${id}/result`, { token: requester.token });
    const total = (performance.now() - started) / 1000;
    if (result.status !== 200 || result.body.value !== expected) throw new Error(`released sum differs from the plaintext sum: ${result.text}`);
    process.stderr.write(
      `  gateway job: create (decrypt datasets, key set, encrypt, store) ${((createdAt - started) / 1000).toFixed(2)} s, queue + sandboxed evaluate ${((evaluatedAt - createdAt) / 1000).toFixed(2)} s, approvals + release ${(total - (evaluatedAt - started) / 1000).toFixed(2)} s\n`,
    );

    const n = perOwner * owners;
    const paillierPerValue = await paillierSecondsPerValue(columns[0]!, env('SLUICE_BENCH_PAILLIER_SAMPLE', 20));
    return [
      {
        name: `gateway HE sum ${owners} owners × ${perOwner.toLocaleString('en-US')} values, job creation → released`,
        value: total,
        unit: 's',
        baseline: { name: 'Paillier-2048 encrypt+add, scaled to the same values', value: paillierPerValue * n },
        ratio: total / (paillierPerValue * n),
      },
      {
        name: 'gateway HE job throughput (values/s)',
        value: n / total,
        unit: 'values/s',
        baseline: { name: 'Paillier-2048 encrypt+add', value: 1 / paillierPerValue },
        ratio: (n / total) * paillierPerValue,
      },
    ];
  } finally {
    await worker.close();
    await gateway.close();
    await kms.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
