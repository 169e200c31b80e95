import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import smCrypto from 'sm-crypto';
import { createFieldEncryptor, deriveTransformKeys } from '../gateway/desensitize/index.ts';
import type { BenchResult } from './types.ts';

/**
 * `sluice desensitize` on 1M rows × 5 fields (mask, HMAC-SM3 hash, generalize, truncate, keep)
 * as a child process, with its default worker threads and with `--threads 0`, beside a naive
 * per-field implementation run the same way on the same file: one createHmac per field, string
 * concatenation, an object per row, one write per row. Wall time, CPU time and peak RSS come
 * from /usr/bin/time -v. Runs alternate, and the median of three is reported, because other
 * processes share the machine. All outputs must be byte-identical, so the baseline does the
 * same work.
 * Field encryption (SM4-GCM with AAD, base64 output) is measured in-process on columns of 1000
 * values, as the engine calls it, beside sm-crypto's SM4-CBC (no authentication) on the same values.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = 1_000_000;
const RUNS = 3;
const SECRET = 'a1'.repeat(32);
const POLICY = {
  fields: {
    phone: { transform: 'mask' },
    id: { transform: 'hash' },
    age: { transform: 'generalize', step: 10 },
    name: { transform: 'truncate', length: 1 },
    city: { transform: 'keep' },
  },
};

const NAIVE = `
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { once } from 'node:events';
const [input, output, keyHex] = process.argv.slice(2);
const key = Buffer.from(keyHex, 'hex');
const out = fs.createWriteStream(output);
const lines = readline.createInterface({ input: fs.createReadStream(input), crlfDelay: Infinity });
let header;
for await (const line of lines) {
  if (header === undefined) { header = line.split(','); out.write(line + '\\r\\n'); continue; }
  const cells = line.split(',');
  const row = {};
  header.forEach((h, i) => { row[h] = cells[i]; });
  const result = {};
  let masked = '';
  const chars = Array.from(row.phone);
  chars.forEach((c, i) => { masked += i < 3 || i >= chars.length - 4 ? c : '*'; });
  result.phone = masked;
  result.id = createHmac('sm3', key).update(row.id).digest('hex');
  const low = Math.floor(Number(row.age) / 10) * 10;
  result.age = low + '-' + (low + 9);
  result.name = Array.from(row.name).slice(0, 1).join('');
  result.city = row.city;
  let text = '';
  for (const h of header) text += (text === '' ? '' : ',') + result[h];
  if (!out.write(text + '\\r\\n')) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
`;

async function writeInput(file: string): Promise<void> {
  const out = fs.createWriteStream(file);
  const cities = ['北京', '上海', '广州', '深圳', '杭州', '成都'];
  const names = ['张三丰', '李四', '王五', '欧阳娜娜', '赵六', '陈七'];
  out.write('phone,id,age,name,city\n');
  let buffer = '';
  for (let i = 0; i < ROWS; i++) {
    const n = String(i).padStart(8, '0');
    buffer += `1${3 + (i % 7)}9${n},110105${1950 + (i % 50)}0${1 + (i % 9)}1${i % 10}${n.slice(-3)}X,${18 + (i % 70)},${names[i % 6]},${cities[i % 6]}\n`;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.end(buffer);
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
}

export interface Measured {
  wall: number;
  cpu: number;
  rssMb: number;
}

/** One child process under /usr/bin/time -v; its stdout is dropped, or written to the file descriptor `stdout`. */
export function timed(args: string[], stdout?: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', process.execPath, ...args], { cwd: ROOT, stdio: ['ignore', stdout ?? 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}: ${stderr.slice(-500)}`));
      const field = (label: string) => stderr.split('\n').find((l) => l.includes(label))?.split(': ').pop() ?? '0';
      const [m, s] = field('Elapsed (wall clock)').split(':').slice(-2).map(Number);
      resolve({ wall: m! * 60 + s!, cpu: Number(field('User time')) + Number(field('System time')), rssMb: Number(field('Maximum resident set size')) / 1024 });
    });
  });
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Fields per second of `encrypt` applied to columns of 1000 values (the engine's batch size). */
function fieldsPerSecond(encrypt: (column: string[]) => unknown, values: string[]): number {
  const columns = Array.from({ length: values.length / 1000 }, (_, i) => values.slice(i * 1000, (i + 1) * 1000));
  for (let i = 0; i < 20; i++) encrypt(columns[i % columns.length]!);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < 2000) {
    encrypt(columns[(count / 1000) % columns.length]!);
    count += 1000;
  }
  return count / ((performance.now() - started) / 1000);
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-desensitize-bench-'));
  try {
    const input = path.join(dir, 'in.csv');
    await writeInput(input);
    fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(POLICY));
    fs.writeFileSync(path.join(dir, 'key.json'), JSON.stringify({ secret: SECRET }));
    fs.writeFileSync(path.join(dir, 'naive.mjs'), NAIVE);
    const hashKey = Buffer.from(deriveTransformKeys(Buffer.from(SECRET, 'hex')).hash).toString('hex');
    const ours: Measured[] = [];
    const single: Measured[] = [];
    const naive: Measured[] = [];
    const sluice = (out: string, ...extra: string[]) =>
      timed(['bin/sluice.js', 'desensitize', '--policy', path.join(dir, 'policy.json'), '--key-file', path.join(dir, 'key.json'), '--in', input, '--out', path.join(dir, out), ...extra]);
    for (let i = 0; i < RUNS; i++) {
      ours.push(await sluice('ours.csv'));
      single.push(await sluice('single.csv', '--threads', '0'));
      naive.push(await timed([path.join(dir, 'naive.mjs'), input, path.join(dir, 'naive.csv'), hashKey]));
    }
    const expected = fs.readFileSync(path.join(dir, 'naive.csv'));
    for (const out of ['ours.csv', 'single.csv']) {
      if (!fs.readFileSync(path.join(dir, out)).equals(expected)) throw new Error(`sluice desensitize (${out}) and the naive baseline disagree`);
    }
    const rate = (m: Measured[], pick: (x: Measured) => number) => ROWS / median(m.map(pick));

    const values = Array.from({ length: 8000 }, (_, i) => `1${3 + (i % 7)}${String(i * 7919).padStart(9, '0')}`);
    const encryptor = createFieldEncryptor('SM4', new Uint8Array(16).fill(7), 'bench-key');
    const ours4 = fieldsPerSecond((column) => encryptor.encryptMany!(column, 'phone'), values);
    const keyHex = '07'.repeat(16);
    const iv = '00'.repeat(16);
    const theirs4 = fieldsPerSecond((column) => column.map((v) => smCrypto.sm4.encrypt(v, keyHex, { mode: 'cbc', iv })), values);

    const result = (name: string, value: number, unit: string, baseline: string, base: number): BenchResult => ({
      name,
      value,
      unit,
      baseline: { name: baseline, value: base },
      ratio: value / base,
    });
    return [
      result('sluice desensitize 1M rows × 5 fields, wall', rate(ours, (m) => m.wall), 'rows/s', 'naive per-field, wall', rate(naive, (m) => m.wall)),
      result('sluice desensitize 1M rows × 5 fields, CPU', rate(ours, (m) => m.cpu), 'rows/s CPU', 'naive per-field, CPU', rate(naive, (m) => m.cpu)),
      result('sluice desensitize peak RSS', median(ours.map((m) => m.rssMb)), 'MB', 'naive per-field peak RSS', median(naive.map((m) => m.rssMb))),
      result('sluice desensitize --threads 0, wall', rate(single, (m) => m.wall), 'rows/s', 'naive per-field, wall', rate(naive, (m) => m.wall)),
      result('sluice desensitize --threads 0, CPU', rate(single, (m) => m.cpu), 'rows/s CPU', 'naive per-field, CPU', rate(naive, (m) => m.cpu)),
      result('sluice desensitize --threads 0, peak RSS', median(single.map((m) => m.rssMb)), 'MB', 'naive per-field peak RSS', median(naive.map((m) => m.rssMb))),
      result('field encryption SM4-GCM, columns of 1000 (encryptMany)', ours4, 'fields/s', 'sm-crypto sm4 CBC per field (no auth)', theirs4),
    ];
  } finally {
    // SLUICE_BENCH_KEEP=1 keeps the input, policy and key for profiling the same run by hand.
    if (process.env.SLUICE_BENCH_KEEP) process.stderr.write(`bench files kept in ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}
