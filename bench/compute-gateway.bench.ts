import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { column, paillierSecondsPerValue } from './compute.bench.ts';
import { startJobStack, timeSumJob, type JobStack } from './gateway-stack.ts';
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
  const columns = Array.from({ length: owners }, (_, i) => column(perOwner, i + 1));
  const stack = await startJobStack(columns);
  try {
    const expected = columns.reduce((sum, c) => sum + c.reduce((a, b) => a + b, 0), 0);
    const rows = await timed(stack, expected, false);
    // Three push-down runs: the median, as one job takes well under a second and the machine is shared.
    const pushed = [await timed(stack, expected, true), await timed(stack, expected, true), await timed(stack, expected, true)].sort((a, b) => a - b)[1]!;

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
    await stack.close();
  }
}

/** One job, creation → released, as the requester and the owners see it; seconds. */
async function timed(stack: JobStack, expected: number, pushdown: boolean): Promise<number> {
  const { total, created, evaluated, cpu } = await timeSumJob(stack, expected, pushdown);
  process.stderr.write(
    `  gateway job (${pushdown ? 'push-down' : 'row-level'}): create (decrypt datasets, key set, ${pushdown ? 'reduce + encrypt partials' : 'encrypt rows'}, store) ${created.toFixed(3)} s, queue + sandboxed evaluate ${evaluated.toFixed(3)} s, approvals + release ${(total - created - evaluated).toFixed(3)} s; total ${total.toFixed(3)} s, ${cpu.toFixed(2)} CPU s in this process (load ${os.loadavg()[0]!.toFixed(1)})\n`,
  );
  return total;
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
