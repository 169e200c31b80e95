import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig } from '../common/index.ts';
import { keygen, startComputeWorker } from '../compute/index.ts';
import { startGateway } from '../gateway/index.ts';
import { deriveWorkerToken } from '../kms/index.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../test/support/fixtures.ts';
import { startKmsProcess } from '../test/support/kms.ts';
import { api } from '../test/support/stack.ts';
import { column, cpuSince, paillierSecondsPerValue } from './compute.bench.ts';
import type { BenchResult } from './types.ts';

/**
 * A compute job through the gateway, as a requester sees it: `POST /v1/compute/jobs` over the
 * owners' stored datasets (decrypt, key set in the KMS, encrypt, store), the worker's sandboxed
 * evaluation, the owners' approvals and the release (KMS decrypt) until `GET …/result` answers —
 * row-level (every value encrypted) and push-down (each owner's column reduced to its partial
 * sum, one ciphertext), beside TenSEAL's in-process pipeline when the peers are set up.
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
    const parties: PartyFixture[] = [];
    const inputs: { datasetId: string; contractId: string }[] = [];
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

    /** One job, creation → released, as the requester and the owners see it; seconds. */
    const timed = async (pushdown: boolean): Promise<number> => {
      // CPU of this process (gateway, its threads, the worker; not the KMS or the job child): on a shared machine it shows what the job cost when wall time does not.
      const cpu = process.cpuUsage();
      const started = performance.now();
      const created = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { operation: 'sum', column: 'v', purpose: 'analytics', inputs, pushdown } });
      if (created.status !== 201) throw new Error(`job refused: ${created.text}`);
      const createdAt = performance.now();
      const id = created.body.id as string;
      while ((await job(id)).body.status !== 'awaiting_approval') await new Promise((r) => setTimeout(r, 20));
      const evaluatedAt = performance.now();
      for (const owner of parties) await api(url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: owner.token });
      const result = await api(url, 'GET', `/v1/compute/jobs/${id}/result`, { token: requester.token });
      const total = (performance.now() - started) / 1000;
      if (result.status !== 200 || result.body.value !== expected) throw new Error(`released sum differs from the plaintext sum: ${result.text}`);
      process.stderr.write(
        `  gateway job (${pushdown ? 'push-down' : 'row-level'}): create (decrypt datasets, key set, ${pushdown ? 'reduce + encrypt partials' : 'encrypt rows'}, store) ${((createdAt - started) / 1000).toFixed(3)} s, queue + sandboxed evaluate ${((evaluatedAt - createdAt) / 1000).toFixed(3)} s, approvals + release ${(total - (evaluatedAt - started) / 1000).toFixed(3)} s; total ${total.toFixed(3)} s, ${cpuSince(cpu).toFixed(2)} CPU s in this process (load ${os.loadavg()[0]!.toFixed(1)})\n`,
      );
      return total;
    };
    const rows = await timed(false);
    // Three push-down runs: the median, as one job takes well under a second and the machine is shared.
    const pushed = [await timed(true), await timed(true), await timed(true)].sort((a, b) => a - b)[1]!;

    const n = perOwner * owners;
    const paillierPerValue = await paillierSecondsPerValue(columns[0]!, env('SLUICE_BENCH_PAILLIER_SAMPLE', 20));
    const label = `${owners} owners × ${perOwner.toLocaleString('en-US')} values`;
    const results: BenchResult[] = [
      {
        name: `gateway HE sum ${label}, job creation → released, push-down`,
        value: pushed,
        unit: 's',
        baseline: { name: 'the same job row-level, same run', value: rows },
        ratio: pushed / rows,
      },
      {
        name: `gateway HE sum ${label}, job creation → released, row-level`,
        value: rows,
        unit: 's',
        baseline: { name: 'Paillier-2048 encrypt+add, scaled to the same values', value: paillierPerValue * n },
        ratio: rows / (paillierPerValue * n),
      },
      {
        name: 'gateway HE job throughput, push-down (values/s)',
        value: n / pushed,
        unit: 'values/s',
        baseline: { name: 'Paillier-2048 encrypt+add', value: 1 / paillierPerValue },
        ratio: (n / pushed) * paillierPerValue,
      },
    ];
    const tenseal = tensealSeconds(perOwner);
    if (tenseal !== undefined) {
      results.push({ name: `gateway HE sum ${label}, push-down, against native SEAL`, value: pushed, unit: 's', baseline: { name: 'TenSEAL BFV pipeline in one process, same run', value: tenseal }, ratio: pushed / tenseal });
    }
    return results;
  } finally {
    await worker.close();
    await gateway.close();
    await kms.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * TenSEAL (native SEAL) on the same workload, when the peer benchmarks are set up
 * (/work/shared/peers/README.md): SLUICE_BENCH_PEERS is a writable copy of that folder,
 * SLUICE_BENCH_PEERS_PYTHON the venv's python with tenseal installed. Its keygen → encrypt →
 * sum → decrypt in one process, as `tenseal_bench.py 1` records it; undefined when not set up.
 */
function tensealSeconds(perOwner: number): number | undefined {
  const dir = process.env.SLUICE_BENCH_PEERS;
  const python = process.env.SLUICE_BENCH_PEERS_PYTHON;
  if (!dir || !python) {
    process.stderr.write('  TenSEAL: not run (set SLUICE_BENCH_PEERS and SLUICE_BENCH_PEERS_PYTHON, see docs/PERFORMANCE.md)\n');
    return undefined;
  }
  const run = spawnSync(python, ['tenseal_bench.py', '1'], { cwd: dir, env: { ...process.env, HE_VALUES: String(perOwner) }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`tenseal_bench.py failed: ${run.stderr.slice(-500)}`);
  const lines = fs.readFileSync(path.join(dir, 'results', 'tenseal.jsonl'), 'utf8').trim().split('\n');
  const row = JSON.parse(lines.at(-1)!) as { value: number; load_before: number; load_after: number };
  process.stderr.write(`  TenSEAL: ${row.value.toFixed(3)} s (load ${row.load_before} → ${row.load_after}): ${run.stdout.trim()}\n`);
  return row.value;
}
