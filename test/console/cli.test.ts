import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sm2GenerateKeyPair } from '../../crypto/index.ts';
import { openPackage, PACKAGE_FORMAT } from '../../gateway/index.ts';
import { backendAvailable, findExecutable } from '../support/backends.ts';
import { runCli, runCliInProcess } from '../support/cli.ts';
import { sluiceBin } from '../support/files.ts';
import { proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

/** Above this many records a transfer runs in the background (202). */
const SYNC_RECORDS = 20;
const MAGIC = Buffer.from('SLUICE\x02\n', 'latin1');

/** The CLI as its own process on a pseudo-terminal (util-linux `script`): what a person at a shell sees, stdout and stderr together. */
function runOnTerminal(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; output: string }> {
  const command = [process.execPath, sluiceBin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), TERM: 'xterm', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code: code ?? -1, output }));
    child.stdin.end();
  });
}

/**
 * A loopback proxy in front of the gateway that records what the CLI asks and, to play a gateway
 * without the events route or a stream that breaks off, can refuse or cut `GET …/events`.
 */
async function startProxy(target: () => string) {
  const state = { url: '', mode: 'pass' as 'pass' | 'refuse' | 'cut', requests: [] as string[], close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url}`);
    if (req.url?.endsWith('/events') && state.mode === 'refuse') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'route not found' } }));
      return;
    }
    if (req.url?.endsWith('/events') && state.mode === 'cut') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    const upstream = http.request(new URL(req.url!, target()), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/**
 * `sluice contract show|approve`, `sluice transfer` and `sluice demo` against a real gateway and
 * KMS, as owners and recipients type them.
 */
describe('people-facing CLI verbs', () => {
  const harness = useGateway('sqlite', { SLUICE_RATE_LIMIT: '1000000', SLUICE_TRANSFER_SYNC_RECORDS: String(SYNC_RECORDS) });
  let owner: PartyFixture;
  let recipient: PartyFixture;
  let contractId: string;
  let cwd: string;
  let env: (party: PartyFixture) => Record<string, string>;
  /** The 30 records as the contract releases them: phone masked, dept kept, name never. */
  let expected: Array<{ phone: string; dept: string }>;
  const records = (ndjson: string) => ndjson.trim().split('\n').map((line) => JSON.parse(line) as { phone: string; dept: string });

  beforeAll(async () => {
    const { url, adminToken } = harness();
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-'));
    env = (party) => ({ SLUICE_URL: url, SLUICE_TOKEN: party.token });
    owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    recipient = await registerParty(url, adminToken, { name: 'Partner', kind: 'overseas', jurisdiction: 'DE' });
    const dataset = await api(url, 'POST', '/v1/datasets', {
      token: owner.token,
      json: { name: 'staff', fields: [{ name: 'name', type: 'string', category: 'personal', subject: true }, { name: 'phone', type: 'string' }, { name: 'dept', type: 'string', category: 'general' }] },
    });
    const rows = Array.from({ length: 30 }, (_, i) => ({ name: `员工${i}`, phone: `1380000${String(i).padStart(4, '0')}`, dept: i % 2 ? 'R&D' : 'Sales' }));
    expected = rows.map((r) => ({ phone: `${r.phone.slice(0, 3)}****${r.phone.slice(-4)}`, dept: r.dept }));
    await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, json: rows });
    contractId = (await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: { phone: { transform: 'mask' }, dept: { transform: 'keep' } } })).id;
    fs.writeFileSync(path.join(cwd, 'owner.json'), JSON.stringify({ alg: 'sm2', ...owner.keys }));
    fs.writeFileSync(path.join(cwd, 'recipient.json'), JSON.stringify({ alg: 'sm2', ...recipient.keys }));
    fs.writeFileSync(path.join(cwd, 'stranger.json'), JSON.stringify({ alg: 'sm2', ...sm2GenerateKeyPair() }));
  });

  it('shows a contract in plain words: Chinese for its owner with the mechanism, English for an overseas recipient', async () => {
    const asOwner = await runCliInProcess(['contract', 'show', contractId], { env: env(owner), cwd });
    expect(asOwner.stderr).toBe("");
    expect(asOwner.code).toBe(0);
    expect(asOwner.stdout).toContain('离境的字段');
    expect(asOwner.stdout).toContain('phone [个人信息]: 掩码后发送：保留前 3 位和后 4 位');
    expect(asOwner.stdout).toMatch(/留在境内的字段\n  • name \[个人信息\]/);
    expect(asOwner.stdout).toContain('合规机制: 无需申报');
    expect(asOwner.stdout).toContain('再识别风险');
    const asRecipient = await runCliInProcess(['contract', 'show', contractId, '--gateway', harness().url, '--token', recipient.token], { cwd });
    expect(asRecipient.code).toBe(0);
    expect(asRecipient.stdout).toContain('phone [personal information]: masked: the first 3 and last 4 characters kept');
    expect(asRecipient.stdout).not.toContain('Legal mechanism');
    const json = await runCliInProcess(['contract', 'show', contractId, '--json'], { env: env(recipient), cwd });
    expect(JSON.parse(json.stdout)).toMatchObject({ id: contractId, status: 'pending' });
  });

  it('refuses usage without a gateway (exit 2) and a stranger (exit 1, FORBIDDEN)', async () => {
    const missing = await runCliInProcess(['contract', 'show', contractId], { env: {}, cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SLUICE_URL');
    const stranger = await registerParty(harness().url, harness().adminToken, { name: 'Other', kind: 'overseas', jurisdiction: 'US' });
    const refused = await runCliInProcess(['contract', 'show', contractId], { env: env(stranger), cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('FORBIDDEN');
    const notOwner = await runCliInProcess(['contract', 'approve', contractId, '--key', 'recipient.json'], { env: env(recipient), cwd });
    expect(notOwner.code).toBe(1);
    expect(notOwner.stderr).toContain('FORBIDDEN');
  });

  it('approves with the owner key signed locally; another key is refused before anything is sent', async () => {
    const wrong = await runCliInProcess(['contract', 'approve', contractId, '--key', 'stranger.json'], { env: env(owner), cwd });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('does not match the public key registered');
    expect((await api(harness().url, 'GET', `/v1/contracts/${contractId}`, { token: owner.token })).body.status).toBe('pending');
    const approved = await runCliInProcess(['contract', 'approve', contractId, '--key', 'owner.json'], { env: env(owner), cwd });
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ id: contractId, status: 'approved', ledger: { anchored: true } });
    expect(approved.stdout + approved.stderr).not.toContain(owner.keys.privateKey);
    const again = await runCliInProcess(['contract', 'approve', contractId, '--key', 'owner.json'], { env: env(owner), cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONFLICT');
  });

  it('transfers to a file that sluice open decrypts, with no progress bar when piped', async () => {
    // 30 records: above the synchronous limit, so the gateway answers 202 and the CLI follows it.
    const piped = await runCliInProcess(['transfer', contractId, '--purpose', 'analytics', '--out', 'pkg.sluice'], { env: env(recipient), cwd });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    const summary = JSON.parse(piped.stdout) as { id: string; records: number; bytes: number; out: string };
    expect(summary).toMatchObject({ status: 'completed', records: 30, out: path.join(cwd, 'pkg.sluice') });
    expect(fs.existsSync(path.join(cwd, 'pkg.sluice.partial'))).toBe(false);
    const bytes = fs.readFileSync(path.join(cwd, 'pkg.sluice'));
    expect(bytes.length).toBe(summary.bytes);
    expect(bytes.subarray(0, MAGIC.length).equals(MAGIC)).toBe(true);
    const opened = await runCliInProcess(['open', 'pkg.sluice', '--key', 'recipient.json'], { cwd });
    expect(opened.code).toBe(0);
    expect(records(opened.stdout)).toEqual(expected);
    // The package is the recipient's: another key opens nothing.
    const stranger = await runCliInProcess(['open', 'pkg.sluice', '--key', 'stranger.json'], { cwd });
    expect([stranger.code, stranger.stdout]).toEqual([1, '']);

    // Without --out the package is the output (binary, 201 this time); the summary goes to stderr.
    const toStdout = await runCliInProcess(['transfer', contractId, '--purpose', 'analytics', '--limit', '5'], { env: env(recipient), cwd });
    expect(toStdout.code).toBe(0);
    const summary5 = JSON.parse(toStdout.stderr) as { id: string };
    expect(summary5).toMatchObject({ status: 'completed', records: 5, subjects: 5, bytes: toStdout.stdoutBytes.length });
    const pkg = openPackage(toStdout.stdoutBytes, recipient.keys.privateKey);
    expect(pkg.header).toMatchObject({ format: PACKAGE_FORMAT, transferId: summary5.id, contractId, recipientId: recipient.id, records: 5 });
    expect(records(new TextDecoder().decode(pkg.records))).toEqual(expected.slice(0, 5));
    const receipt = await api(harness().url, 'GET', `/v1/transfers/${summary5.id}/receipt`, { token: recipient.token });
    expect(receipt.body.receipt.data.packageDigest).toBe(createHash('sm3').update(toStdout.stdoutBytes).digest('hex'));

    const refused = await runCliInProcess(['transfer', contractId, '--purpose', 'marketing', '--out', 'no.sluice'], { env: env(recipient), cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('PURPOSE_NOT_ALLOWED');
    expect(fs.existsSync(path.join(cwd, 'no.sluice'))).toBe(false);
  });

  it('follows a 202 through the events stream, and by polling where the stream is missing or breaks off', async () => {
    const proxy = await startProxy(() => harness().url);
    try {
      const follow = async (mode: 'pass' | 'refuse' | 'cut', out: string) => {
        proxy.mode = mode;
        proxy.requests.length = 0;
        const run = await runCliInProcess(['transfer', contractId, '--purpose', 'analytics', '--out', out], { env: { SLUICE_URL: proxy.url, SLUICE_TOKEN: recipient.token }, cwd });
        expect(run.stderr).toBe('');
        const { id } = JSON.parse(run.stdout) as { id: string };
        expect(records((await runCliInProcess(['open', out, '--key', 'recipient.json'], { cwd })).stdout)).toEqual(expected);
        return { events: proxy.requests.filter((r) => r === `GET /v1/transfers/${id}/events`).length, polls: proxy.requests.filter((r) => r === `GET /v1/transfers/${id}`).length };
      };
      expect(await follow('pass', 'streamed.sluice')).toEqual({ events: 1, polls: 0 });
      const refused = await follow('refuse', 'polled.sluice');
      expect(refused.events).toBe(1);
      expect(refused.polls).toBeGreaterThan(0);
      const cut = await follow('cut', 'cut.sluice');
      expect(cut.events).toBe(1);
      expect(cut.polls).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it.runIf(backendAvailable('util-linux script (pseudo-terminal)', findExecutable('script') !== undefined))(
    'draws progress bars for the background transfer and the download on a terminal, none when piped',
    async () => {
      const shown = await runOnTerminal(['transfer', contractId, '--purpose', 'analytics', '--out', 'tty.sluice'], env(recipient), cwd);
      expect(shown.code, shown.output).toBe(0);
      expect(shown.output).toMatch(/\r\u001b\[2Ktransfer trf_[0-9a-f]{32} \[#{30}\] 100% 30\/30 records/);
      expect(shown.output).toMatch(/\r\u001b\[2Kpackage \[#{30}\] 100% /);
      expect(shown.output).toContain('"records":30');
      expect(records((await runCliInProcess(['open', 'tty.sluice', '--key', 'recipient.json'], { cwd })).stdout)).toEqual(expected);

      const piped = await runCli(['transfer', contractId, '--purpose', 'analytics', '--out', path.join(cwd, 'piped.sluice')], env(recipient));
      expect([piped.code, piped.stderr]).toEqual([0, '']);
      expect(piped.stdout).not.toContain('\u001b');
      expect(JSON.parse(piped.stdout)).toMatchObject({ status: 'completed', records: 30 });
    },
  );

  it('exits 1 with the code a background transfer failed with, and writes no file', async () => {
    const { kms } = harness();
    await kms.stop('SIGKILL');
    try {
      const failed = await runCliInProcess(['transfer', contractId, '--purpose', 'analytics', '--out', 'failed.sluice'], { env: env(recipient), cwd });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^sluice: KMS_UNAVAILABLE: transfer trf_[0-9a-f]{32} failed: /);
      expect(failed.stdout).toBe('');
      expect(fs.existsSync(path.join(cwd, 'failed.sluice'))).toBe(false);
      expect(fs.existsSync(path.join(cwd, 'failed.sluice.partial'))).toBe(false);
    } finally {
      await kms.start();
    }
  });

  it('sluice demo seeds parties, a dataset and a pending contract that the printed commands then carry through', async () => {
    const { url, adminToken } = harness();
    const seeded = await runCliInProcess(['demo', '--gateway', url, '--out', 'demo'], { env: { SLUICE_ADMIN_TOKEN: adminToken }, cwd });
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toContain(`${url}/console`);
    const ids = JSON.parse(fs.readFileSync(path.join(cwd, 'demo', 'ids.json'), 'utf8')) as Record<string, string>;
    const tokens = JSON.parse(fs.readFileSync(path.join(cwd, 'demo', 'tokens.json'), 'utf8')) as Record<string, string>;
    expect(fs.statSync(path.join(cwd, 'demo', 'owner.key.json')).mode & 0o077).toBe(0);
    expect(seeded.stdout).toContain(`sluice contract approve ${ids.contract} --key demo/owner.key.json`);
    const approve = await runCliInProcess(['contract', 'approve', ids.contract!, '--key', 'demo/owner.key.json'], { env: { SLUICE_URL: url, SLUICE_TOKEN: tokens.owner! }, cwd });
    expect(approve.code).toBe(0);
    const moved = await runCliInProcess(['transfer', ids.contract!, '--purpose', 'membership analytics', '--out', 'demo-package.sluice'], { env: { SLUICE_URL: url, SLUICE_TOKEN: tokens.recipient! }, cwd });
    expect(JSON.parse(moved.stdout)).toMatchObject({ records: 200 });
    const opened = await runCliInProcess(['open', 'demo-package.sluice', '--key', 'demo/recipient.key.json'], { cwd });
    expect(opened.stdout.trim().split('\n')).toHaveLength(200);
    // A second demo never overwrites the first one's keys.
    const second = await runCliInProcess(['demo', '--gateway', url, '--out', 'demo'], { env: { SLUICE_ADMIN_TOKEN: adminToken }, cwd });
    expect(second.code).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'demo-2', 'owner.key.json'))).toBe(true);
  });
});
