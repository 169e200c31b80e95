import { column, paillierSecondsPerValue } from './compute.bench.ts';
import { startJobStack, timeSumJob } from './gateway-stack.ts';
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
  const columns = Array.from({ length: owners }, (_, i) => column(perOwner, i + 1));
  const stack = await startJobStack(columns);
  try {
    const expected = columns.reduce((sum, c) => sum + c.reduce((a, b) => a + b, 0), 0);
    const { total, created, evaluated } = await timeSumJob(stack, expected);
    process.stderr.write(`  gateway job: create (decrypt datasets, key set, encrypt, store) ${created.toFixed(2)} s, queue + sandboxed evaluate ${evaluated.toFixed(2)} s, approvals + release ${(total - created - evaluated).toFixed(2)} s\n`);

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
    await stack.close();
  }
}
