import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types.ts';

/**
 * `npm run bench [-- name…]`: runs every bench/*.bench.ts (or those named) and prints each
 * figure beside the baseline measured in the same run.
 */
const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const suites = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

const format = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));

process.stdout.write(`Sluice benchmarks — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString()}\n`);
for (const suite of suites) {
  const module = (await import(path.join(dir, `${suite}.bench.ts`))) as { run: () => Promise<BenchResult[]> };
  process.stdout.write(`\n## ${suite}\n`);
  const results = await module.run();
  for (const r of results) {
    process.stdout.write(
      `${r.name.padEnd(58)} ${format(r.value).padStart(14)} ${r.unit.padEnd(12)} | baseline ${r.baseline.name}: ${format(r.baseline.value)} | ratio ${r.ratio.toFixed(2)}×\n`,
    );
  }
}
