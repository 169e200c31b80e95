import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../scripts/ports.ts';
import { approveContract, proposeContract, registerParty } from '../test/support/fixtures.ts';
import { api } from '../test/support/http.ts';
import { startGatewayProcess } from './gateway-process.ts';
import type { BenchResult } from './types.ts';

/**
 * Small transfers per second: `POST /v1/transfers` on a 100-row contract (201, package sealed,
 * stored and anchored in the request) at concurrency 1, 8 and 32, each for
 * SLUICE_BENCH_RATE_SECONDS (default 10), beside a bare Fastify route (its own process, one JSON
 * body in, one out) driven the same way in the same run. The gateway runs as its own process on
 * the embedded defaults, the KMS beside it.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.SLUICE_BENCH_RATE_SECONDS ?? 10);
const LEVELS = [1, 8, 32];

const BARE = `
import Fastify from 'fastify';
const app = Fastify();
app.post('/v1/transfers', async (request) => ({ id: 'trf_bare', status: 'completed', echo: request.body }));
await app.listen({ port: Number(process.argv[1]), host: '127.0.0.1' });
`;

interface Rate {
  perSecond: number;
  p99Ms: number;
}

/** `concurrency` loops sending `send` back to back for SECONDS; every answer must be `status`. */
async function drive(concurrency: number, status: number, send: () => Promise<number>): Promise<Rate> {
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const at = performance.now();
        const got = await send();
        if (got !== status) throw new Error(`expected ${status}, got ${got}`);
        latencies.push(performance.now() - at);
      }
    }),
  );
  const sorted = latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / ((performance.now() - started) / 1000), p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0 };
}

async function startBare(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--input-type=module', '-e', BARE, String(port)], { cwd: ROOT, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`${url}/v1/transfers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return { url, stop: () => child.kill('SIGTERM') };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGTERM');
  throw new Error('bare Fastify did not start');
}

export async function run(): Promise<BenchResult[]> {
  process.stderr.write(`  load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const gateway = await startGatewayProcess();
  const bare = await startBare();
  try {
    const { url, adminToken } = gateway;
    const owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const recipient = await registerParty(url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'SG' });
    const fields = [
      { name: 'account', type: 'string', category: 'general' },
      { name: 'city', type: 'string', category: 'general' },
      { name: 'spend', type: 'number', category: 'general' },
    ];
    const dataset = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'small', fields } });
    await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, {
      token: owner.token,
      json: Array.from({ length: 100 }, (_, i) => ({ account: `ACC-${100000 + i}`, city: ['Shanghai', 'Beijing'][i % 2], spend: i * 7 })),
    });
    const contract = await proposeContract(url, owner, {
      datasetId: dataset.body.id,
      recipientId: recipient.id,
      fields: { account: { transform: 'hash' }, city: { transform: 'keep' }, spend: { transform: 'generalize', step: 100 } },
    });
    await approveContract(url, owner, contract);
    const body = JSON.stringify({ contractId: contract.id, purpose: 'analytics' });
    const post = (base: string, token?: string) => async () => {
      const response = await fetch(`${base}/v1/transfers`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
      await response.arrayBuffer();
      return response.status;
    };
    await drive(2, 201, post(url, recipient.token));
    const results: BenchResult[] = [];
    const summary: string[] = [];
    for (const level of LEVELS) {
      const ours = await drive(level, 201, post(url, recipient.token));
      const theirs = await drive(level, 200, post(bare.url));
      summary.push(`c=${level}: ${ours.perSecond.toFixed(1)}/s p99 ${ours.p99Ms.toFixed(0)} ms (bare ${theirs.perSecond.toFixed(0)}/s p99 ${theirs.p99Ms.toFixed(1)} ms)`);
      results.push({
        name: `100-row transfers, concurrency ${level} (p99 ${ours.p99Ms.toFixed(0)} ms)`,
        value: ours.perSecond,
        unit: 'transfers/s',
        baseline: { name: 'bare Fastify route', value: theirs.perSecond },
        ratio: ours.perSecond / theirs.perSecond,
      });
    }
    process.stderr.write(`  ${summary.join('; ')}; load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    return results;
  } finally {
    bare.stop();
    await gateway.stop();
  }
}
