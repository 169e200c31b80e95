import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { sm2GenerateKeyPair } from '../../crypto/index.ts';
import { main } from '../../gateway/cli/main.ts';
import { runCli } from '../../gateway/cli/test-io.ts';
import { proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/stack.ts';

/** The CLI as a stdout that is a terminal: what a person at a shell sees. */
async function runOnTerminal(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = Object.assign(new PassThrough(), { isTTY: true });
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr, env, cwd });
  return { code, stdout: out, stderr: err };
}

/**
 * `sluice contract show|approve`, `sluice transfer` and `sluice demo` against a real gateway and
 * KMS, as owners and recipients type them.
 */
describe('people-facing CLI verbs', () => {
  const harness = useGateway('sqlite', { SLUICE_RATE_LIMIT: '1000000' });
  let owner: PartyFixture;
  let recipient: PartyFixture;
  let contractId: string;
  let cwd: string;
  let env: (party: PartyFixture) => Record<string, string>;

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
    await api(url, 'POST', `/v1/datasets/${dataset.body.id}/records`, { token: owner.token, json: rows });
    contractId = (await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: { phone: { transform: 'mask' }, dept: { transform: 'keep' } } })).id;
    fs.writeFileSync(path.join(cwd, 'owner.json'), JSON.stringify({ alg: 'sm2', ...owner.keys }));
    fs.writeFileSync(path.join(cwd, 'recipient.json'), JSON.stringify({ alg: 'sm2', ...recipient.keys }));
    fs.writeFileSync(path.join(cwd, 'stranger.json'), JSON.stringify({ alg: 'sm2', ...sm2GenerateKeyPair() }));
  });

  it('shows a contract in plain words: Chinese for its owner with the mechanism, English for an overseas recipient', async () => {
    const asOwner = await runCli(['contract', 'show', contractId], { env: env(owner), cwd });
    expect(asOwner.stderr).toBe("");
    expect(asOwner.code).toBe(0);
    expect(asOwner.stdout).toContain('离境的字段');
    expect(asOwner.stdout).toContain('phone [个人信息]: 掩码后发送：保留前 3 位和后 4 位');
    expect(asOwner.stdout).toMatch(/留在境内的字段\n  • name \[个人信息\]/);
    expect(asOwner.stdout).toContain('合规机制: 无需申报');
    expect(asOwner.stdout).toContain('再识别风险');
    const asRecipient = await runCli(['contract', 'show', contractId, '--gateway', harness().url, '--token', recipient.token], { cwd });
    expect(asRecipient.code).toBe(0);
    expect(asRecipient.stdout).toContain('phone [personal information]: masked: the first 3 and last 4 characters kept');
    expect(asRecipient.stdout).not.toContain('Legal mechanism');
    const json = await runCli(['contract', 'show', contractId, '--json'], { env: env(recipient), cwd });
    expect(JSON.parse(json.stdout)).toMatchObject({ id: contractId, status: 'pending' });
  });

  it('refuses usage without a gateway (exit 2) and a stranger (exit 1, FORBIDDEN)', async () => {
    const missing = await runCli(['contract', 'show', contractId], { env: {}, cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SLUICE_URL');
    const stranger = await registerParty(harness().url, harness().adminToken, { name: 'Other', kind: 'overseas', jurisdiction: 'US' });
    const refused = await runCli(['contract', 'show', contractId], { env: env(stranger), cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('FORBIDDEN');
    const notOwner = await runCli(['contract', 'approve', contractId, '--key', 'recipient.json'], { env: env(recipient), cwd });
    expect(notOwner.code).toBe(1);
    expect(notOwner.stderr).toContain('FORBIDDEN');
  });

  it('approves with the owner key signed locally; another key is refused before anything is sent', async () => {
    const wrong = await runCli(['contract', 'approve', contractId, '--key', 'stranger.json'], { env: env(owner), cwd });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('does not match the public key registered');
    expect((await api(harness().url, 'GET', `/v1/contracts/${contractId}`, { token: owner.token })).body.status).toBe('pending');
    const approved = await runCli(['contract', 'approve', contractId, '--key', 'owner.json'], { env: env(owner), cwd });
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ id: contractId, status: 'approved', ledger: { anchored: true } });
    expect(approved.stdout + approved.stderr).not.toContain(owner.keys.privateKey);
    const again = await runCli(['contract', 'approve', contractId, '--key', 'owner.json'], { env: env(owner), cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONFLICT');
  });

  it('transfers to a file that sluice open decrypts, with no progress bar when piped', async () => {
    const piped = await runCli(['transfer', contractId, '--purpose', 'analytics', '--out', 'pkg.json'], { env: env(recipient), cwd });
    expect(piped.code).toBe(0);
    const summary = JSON.parse(piped.stdout) as { id: string; records: number; out: string };
    expect(summary).toMatchObject({ records: 30, out: path.join(cwd, 'pkg.json') });
    expect(piped.stderr).toBe('');
    expect(fs.existsSync(path.join(cwd, 'pkg.json.partial'))).toBe(false);
    const opened = await runCli(['open', 'pkg.json', '--key', 'recipient.json'], { cwd });
    const records = opened.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, string>);
    expect(records).toHaveLength(30);
    expect(Object.keys(records[0]!).sort()).toEqual(['dept', 'phone']);
    expect(records[0]!.phone).toMatch(/^138\*{4}\d{4}$/);

    // Without --out the package is the output; the summary goes to stderr.
    const toStdout = await runCli(['transfer', contractId, '--purpose', 'analytics', '--limit', '5'], { env: env(recipient), cwd });
    expect(toStdout.stdoutBytes.subarray(0, 8).toString('latin1')).toBe('SLUICE\x02\n');
    expect(JSON.parse(toStdout.stderr)).toMatchObject({ status: 'completed', records: 5 });
    fs.writeFileSync(path.join(cwd, 'stdout.pkg'), toStdout.stdoutBytes);
    const fromStdout = await runCli(['open', 'stdout.pkg', '--key', 'recipient.json'], { cwd });
    expect(fromStdout.stdout.trim().split('\n')).toHaveLength(5);

    const refused = await runCli(['transfer', contractId, '--purpose', 'marketing', '--out', 'no.json'], { env: env(recipient), cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('PURPOSE_NOT_ALLOWED');
    expect(fs.existsSync(path.join(cwd, 'no.json'))).toBe(false);
  });

  it('draws a progress bar on stderr when stdout is a terminal', async () => {
    const shown = await runOnTerminal(['transfer', contractId, '--purpose', 'analytics', '--out', 'tty.json'], env(recipient), cwd);
    expect(shown.code).toBe(0);
    expect(shown.stderr).toMatch(/\r\u001b\[2Kpackage \[#{30}\] 100% /);
    expect(JSON.parse(shown.stdout)).toMatchObject({ records: 30 });
  });

  it('sluice demo seeds parties, a dataset and a pending contract that the printed commands then carry through', async () => {
    const { url, adminToken } = harness();
    const seeded = await runCli(['demo', '--gateway', url, '--out', 'demo'], { env: { SLUICE_ADMIN_TOKEN: adminToken }, cwd });
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toContain(`${url}/console`);
    const ids = JSON.parse(fs.readFileSync(path.join(cwd, 'demo', 'ids.json'), 'utf8')) as Record<string, string>;
    const tokens = JSON.parse(fs.readFileSync(path.join(cwd, 'demo', 'tokens.json'), 'utf8')) as Record<string, string>;
    expect(fs.statSync(path.join(cwd, 'demo', 'owner.key.json')).mode & 0o077).toBe(0);
    expect(seeded.stdout).toContain(`sluice contract approve ${ids.contract} --key demo/owner.key.json`);
    const approve = await runCli(['contract', 'approve', ids.contract!, '--key', 'demo/owner.key.json'], { env: { SLUICE_URL: url, SLUICE_TOKEN: tokens.owner! }, cwd });
    expect(approve.code).toBe(0);
    const moved = await runCli(['transfer', ids.contract!, '--purpose', 'membership analytics', '--out', 'demo-package.json'], { env: { SLUICE_URL: url, SLUICE_TOKEN: tokens.recipient! }, cwd });
    expect(JSON.parse(moved.stdout)).toMatchObject({ records: 200 });
    const opened = await runCli(['open', 'demo-package.json', '--key', 'demo/recipient.key.json'], { cwd });
    expect(opened.stdout.trim().split('\n')).toHaveLength(200);
    // A second demo never overwrites the first one's keys.
    const second = await runCli(['demo', '--gateway', url, '--out', 'demo'], { env: { SLUICE_ADMIN_TOKEN: adminToken }, cwd });
    expect(second.code).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'demo-2', 'owner.key.json'))).toBe(true);
  });
});
