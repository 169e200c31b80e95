import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createSm3 } from '../crypto/index.ts';
import { approveContract, proposeContract, registerParty } from '../test/support/fixtures.ts';
import { api } from '../test/support/http.ts';
import { median, timed, type Measured } from './desensitize.bench.ts';
import { startGatewayProcess } from './gateway-process.ts';
import type { BenchResult } from './types.ts';

/**
 * A large transfer through the gateway as a partner sees it — CSV upload (streamed), `POST
 * /v1/transfers` (202) until `GET /v1/transfers/:id` says completed, download of the package,
 * `sluice open` — beside `sluice desensitize` with the same transforms on the same CSV in the
 * same run. The gateway runs as its own process (SQLite, KMS beside it); its peak RSS (VmHWM)
 * covers the whole run. Rows: SLUICE_BENCH_TRANSFER_ROWS (default 1,000,000; 10,000,000 for the
 * large run). Persons repeat every 500,000 rows, so the export needs a standard contract.
 */
const ROWS = Number(process.env.SLUICE_BENCH_TRANSFER_ROWS ?? 1_000_000);
const PERSONS = 500_000;
/** Transfers, and runs of the CLI, per figure: 3 at 1M rows, 1 for the large run. */
const RUNS = ROWS > 2_000_000 ? 1 : 3;
const SECRET = 'b2'.repeat(32);
const TRANSFORMS = {
  phone: { transform: 'mask' },
  id: { transform: 'hash' },
  age: { transform: 'generalize', step: 10 },
  name: { transform: 'truncate', length: 1 },
  city: { transform: 'keep' },
  email: { transform: 'mask', keepStart: 2, keepEnd: 8 },
};
const FIELDS = [
  { name: 'phone', type: 'string', category: 'personal', subject: true },
  { name: 'id', type: 'string', category: 'personal' },
  { name: 'age', type: 'number', category: 'general' },
  { name: 'name', type: 'string', category: 'personal' },
  { name: 'city', type: 'string', category: 'general' },
  { name: 'email', type: 'string', category: 'personal' },
];

async function writeInput(file: string): Promise<void> {
  const out = fs.createWriteStream(file);
  const cities = ['北京', '上海', '广州', '深圳', '杭州', '成都'];
  const names = ['张三丰', '李四', '王五', '欧阳娜娜', '赵六', '陈七'];
  out.write('phone,id,age,name,city,email\n');
  let buffer = '';
  for (let i = 0; i < ROWS; i++) {
    const person = i % PERSONS;
    const n = String(person).padStart(8, '0');
    buffer += `1${3 + (person % 7)}9${n},110105${1950 + (person % 50)}0${1 + (person % 9)}1${person % 10}${n.slice(-3)}X,${18 + (i % 70)},${names[i % 6]},${cities[i % 6]},user${n}@example.cn\n`;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.end(buffer);
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
}

const seconds = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};

function countLines(file: string): number {
  let lines = 0;
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) for (let i = 0; i < n; i++) if (buffer[i] === 10) lines++;
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-transfer-bench-'));
  process.stderr.write(`  load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const gateway = await startGatewayProcess();
  try {
    const csv = path.join(dir, 'in.csv');
    await writeInput(csv);
    const { url, adminToken } = gateway;
    const owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const recipient = await registerParty(url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'SG' });
    const dataset = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'bench', fields: FIELDS } });

    const upload = await seconds(async () => {
      const response = await fetch(`${url}/v1/datasets/${dataset.body.id}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'text/csv' },
        body: Readable.toWeb(fs.createReadStream(csv)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (response.status !== 200) throw new Error(`upload failed: ${await response.text()}`);
    });
    const contract = await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: TRANSFORMS });
    await approveContract(url, owner, contract);

    // Without a filing the export needs a standard contract it does not have: refused before any key is unwrapped.
    const blockedMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const refused = await api(url, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId: contract.id, purpose: 'analytics' } });
      blockedMs.push(performance.now() - started);
      if (refused.body?.error?.code !== 'COMPLIANCE_BLOCKED') throw new Error(`expected COMPLIANCE_BLOCKED: ${refused.text}`);
    }
    const year = new Date().getUTCFullYear();
    await api(url, 'POST', '/v1/compliance/filings', { token: owner.token, json: { mechanism: 'standard_contract', reference: 'BENCH-SC', validFrom: `${year - 1}-01-01`, validUntil: `${year + 1}-12-31` } });

    let transferId = '';
    const runTransfer = () =>
      seconds(async () => {
        const created = await api(url, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId: contract.id, purpose: 'analytics' } });
        if (created.status !== 202 && created.status !== 201) throw new Error(`transfer refused: ${created.text}`);
        transferId = created.body.id;
        for (;;) {
          const view = await api(url, 'GET', `/v1/transfers/${transferId}`, { token: recipient.token });
          if (view.body.status === 'completed') return;
          if (view.body.status !== 'running') throw new Error(`transfer failed: ${view.text}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      });
    // Each figure beside its baseline is the median of RUNS, so one slow second on a shared machine does not decide the ratio.
    const transfers: number[] = [];
    for (let i = 0; i < RUNS; i++) transfers.push(await runTransfer());
    const transfer = median(transfers);

    const packageFile = path.join(dir, 'package.sluice');
    const digest = createSm3();
    const download = await seconds(async () => {
      const response = await fetch(`${url}/v1/transfers/${transferId}/package`, { headers: { authorization: `Bearer ${recipient.token}` } });
      if (response.status !== 200 || !response.body) throw new Error(`download failed: ${response.status}`);
      const source = Readable.fromWeb(response.body as never);
      source.on('data', (chunk: Buffer) => digest.update(chunk));
      await pipeline(source, fs.createWriteStream(packageFile));
    });
    const receipt = await api(url, 'GET', `/v1/transfers/${transferId}/receipt`, { token: recipient.token });
    if (receipt.body.receipt.data.packageDigest !== digest.hex()) throw new Error('the downloaded package does not match the receipt digest');
    const rssMb = gateway.peakRssMb();

    const keyFile = path.join(dir, 'recipient.json');
    fs.writeFileSync(keyFile, JSON.stringify({ alg: 'sm2', ...recipient.keys }));
    const opened = path.join(dir, 'opened.ndjson');
    const out = fs.openSync(opened, 'w');
    let open: Measured;
    try {
      open = await timed(['bin/sluice.js', 'open', packageFile, '--key', keyFile], out);
    } finally {
      fs.closeSync(out);
    }
    const delivered = countLines(opened);
    if (delivered !== ROWS) throw new Error(`sluice open gave ${delivered} records, not ${ROWS}`);

    fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ fields: TRANSFORMS }));
    fs.writeFileSync(path.join(dir, 'key.json'), JSON.stringify({ secret: SECRET }));
    const cliRuns: Measured[] = [];
    for (let i = 0; i < RUNS; i++) {
      cliRuns.push(await timed(['bin/sluice.js', 'desensitize', '--policy', path.join(dir, 'policy.json'), '--key-file', path.join(dir, 'key.json'), '--in', csv, '--out', path.join(dir, 'cli.csv')]));
    }
    const cli = { wall: median(cliRuns.map((r) => r.wall)), rssMb: Math.max(...cliRuns.map((r) => r.rssMb)) };
    const range = (xs: number[]) => (xs.length > 1 ? ` (median of ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})` : '');
    process.stderr.write(
      `  ${ROWS.toLocaleString('en-US')} rows: upload ${upload.toFixed(2)} s, transfer ${transfer.toFixed(2)} s${range(transfers)}, download ${download.toFixed(2)} s, open ${open.wall.toFixed(2)} s (${open.rssMb.toFixed(0)} MB); ` +
        `sluice desensitize ${cli.wall.toFixed(2)} s${range(cliRuns.map((r) => r.wall))}, ${cli.rssMb.toFixed(0)} MB; gateway peak RSS ${rssMb.toFixed(0)} MB; blocked transfer ${median(blockedMs).toFixed(0)} ms; load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
    );
    const label = `${ROWS >= 1e6 ? `${ROWS / 1e6}M` : `${ROWS / 1e3}k`} rows`;
    const vsCli = (name: string, value: number): BenchResult => ({
      name: `${name}, ${label}`,
      value,
      unit: 's',
      baseline: { name: `sluice desensitize, same rows${RUNS > 1 ? `, median of ${RUNS}` : ''}`, value: cli.wall },
      ratio: value / cli.wall,
    });
    return [
      vsCli(`transfer through the gateway (target ≤ 2×)${RUNS > 1 ? `, median of ${RUNS}` : ''}`, transfer),
      vsCli('upload (streamed CSV)', upload),
      vsCli('download', download),
      vsCli('sluice open', open.wall),
      vsCli('upload + transfer + download + open', upload + transfer + download + open.wall),
      {
        name: `transfer refused by compliance (no filing), ${label}`,
        value: median(blockedMs) / 1000,
        unit: 's',
        baseline: { name: 'the same transfer allowed', value: transfer },
        ratio: median(blockedMs) / 1000 / transfer,
      },
      {
        name: `gateway peak RSS over the run (target < 512 MB), ${label}`,
        value: rssMb,
        unit: 'MB',
        baseline: { name: 'sluice desensitize peak RSS', value: cli.rssMb },
        ratio: rssMb / cli.rssMb,
      },
    ];
  } finally {
    await gateway.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
