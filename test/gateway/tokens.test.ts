import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/index.ts';
import { runCli } from '../support/cli.ts';
import { registerParty, type PartyFixture } from '../support/fixtures.ts';
import { engines, gatewayConfig, useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { startKmsProcess, type RunningKms } from '../support/kms.ts';

describe.each(engines())('tokens on %s', (engine) => {
  const harness = useGateway(engine);
  let owner: PartyFixture;
  const call = (method: string, route: string, token: string | undefined, json?: unknown) =>
    api(harness().url, method, route, { ...(token ? { token } : {}), ...(json !== undefined ? { json } : {}) });
  const works = async (token: string) => (await call('GET', '/v1/ledger/trust', token)).status === 200;

  beforeAll(async () => {
    owner = await registerParty(harness().url, harness().adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
  });

  it('lists tokens by id and state, never by value; only for admins', async () => {
    const listed = await call('GET', '/v1/tokens', harness().adminToken);
    expect(listed.status, listed.text).toBe(200);
    const ids = listed.body.tokens.map((t: { id: string }) => t.id);
    expect(ids.every((id: string) => /^tok_[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(listed.body.tokens).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'admin', partyId: null, status: 'active', bootstrap: true }),
        expect.objectContaining({ role: 'party', partyId: owner.id, status: 'active', bootstrap: false }),
      ]),
    );
    expect(listed.text).not.toContain(harness().adminToken);
    expect(listed.text).not.toContain(owner.token);
    expect((await call('GET', '/v1/tokens', owner.token)).status).toBe(403);
    expect((await call('POST', '/v1/tokens', owner.token, {})).status).toBe(403);
  });

  it('creates, rotates and revokes; expired, rotated and revoked tokens authenticate no more', async () => {
    const extra = await call('POST', '/v1/tokens', harness().adminToken, { partyId: owner.id });
    expect(extra.status, extra.text).toBe(201);
    expect(extra.body).toMatchObject({ role: 'party', partyId: owner.id, status: 'active', expiresAt: null });
    expect(await works(extra.body.token)).toBe(true);

    const rotated = await call('POST', `/v1/tokens/${extra.body.id}/rotate`, harness().adminToken, {});
    expect(rotated.status, rotated.text).toBe(201);
    expect(rotated.body).toMatchObject({ replaces: extra.body.id, partyId: owner.id });
    expect(rotated.body.token).not.toBe(extra.body.token);
    expect(await works(extra.body.token)).toBe(false);
    expect(await works(rotated.body.token)).toBe(true);
    const again = await call('POST', `/v1/tokens/${extra.body.id}/rotate`, harness().adminToken, {});
    expect([again.status, again.body.error.code]).toEqual([409, 'CONFLICT']);

    // With a grace period the old token keeps working until it ends.
    const graced = await call('POST', `/v1/tokens/${rotated.body.id}/rotate`, harness().adminToken, { graceSeconds: 2 });
    expect(await works(rotated.body.token)).toBe(true);
    expect(await works(graced.body.token)).toBe(true);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await works(rotated.body.token)).toBe(false);

    const revoked = await call('POST', `/v1/tokens/${graced.body.id}/revoke`, harness().adminToken);
    expect(revoked.body).toMatchObject({ id: graced.body.id, status: 'revoked', revokedAt: expect.any(String) });
    expect(await works(graced.body.token)).toBe(false);
    const refused = await call('GET', '/v1/ledger/trust', graced.body.token);
    expect([refused.status, refused.body.error.code, refused.body.error.message]).toEqual([401, 'UNAUTHENTICATED', 'invalid token']);

    const shortLived = await call('POST', '/v1/tokens', harness().adminToken, { partyId: owner.id, expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect(await works(shortLived.body.token)).toBe(true);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await works(shortLived.body.token)).toBe(false);
    const all = await call('GET', `/v1/tokens?partyId=${owner.id}&all=true`, harness().adminToken);
    const states = Object.fromEntries(all.body.tokens.map((t: { id: string; status: string }) => [t.id, t.status]));
    expect(states).toMatchObject({ [extra.body.id]: 'revoked', [graced.body.id]: 'revoked', [shortLived.body.id]: 'expired' });
    const active = await call('GET', `/v1/tokens?partyId=${owner.id}`, harness().adminToken);
    expect(active.body.tokens.map((t: { id: string }) => t.id)).toEqual([expect.any(String)]);

    for (const bad of [{ expiresAt: new Date(Date.now() - 1000).toISOString() }, { partyId: 'pty_' + '0'.repeat(32) }, { role: 'admin' }]) {
      expect((await call('POST', '/v1/tokens', harness().adminToken, bad)).status).toBeGreaterThanOrEqual(400);
    }
    expect((await call('POST', `/v1/tokens/tok_${'0'.repeat(32)}/revoke`, harness().adminToken)).status).toBe(404);
  });

  it('does the same through the CLI, with the token out of argv', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-token-cli-'));
    const tokenFile = path.join(work, 'admin.token');
    fs.writeFileSync(tokenFile, `${harness().adminToken}\n`, { mode: 0o600 });
    const gateway = ['--gateway', harness().url];
    const created = await runCli(['token', 'create', '--party', owner.id, ...gateway, '--token-file', tokenFile]);
    expect(created.code, created.stderr).toBe(0);
    const issued = JSON.parse(created.stdout);
    expect(await works(issued.token)).toBe(true);
    const env = { SLUICE_URL: harness().url, SLUICE_TOKEN: harness().adminToken };
    const listed = await runCli(['token', 'list', '--party', owner.id], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n').map((line) => JSON.parse(line).id)).toContain(issued.id);
    expect(listed.stdout).not.toContain(issued.token);
    const rotated = await runCli(['token', 'rotate', issued.id], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = JSON.parse(rotated.stdout);
    expect(await works(issued.token)).toBe(false);
    const revoked = await runCli(['token', 'revoke', fresh.id], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await works(fresh.token)).toBe(false);
    const denied = await runCli(['token', 'list'], { SLUICE_URL: harness().url, SLUICE_TOKEN: owner.token });
    expect(denied).toMatchObject({ code: 1, stderr: expect.stringMatching(/FORBIDDEN/) });
    expect((await runCli(['token', 'revoke'], env)).code).toBe(2);
    expect((await runCli(['token', 'list'], { SLUICE_URL: harness().url, SLUICE_TOKEN: '' })).code).toBe(2);
    fs.rmSync(work, { recursive: true, force: true });
  });
});

describe('the bootstrap admin token', () => {
  let kms: RunningKms;
  let dataDir: string;
  const start = (env: Record<string, string>) =>
    startGateway(gatewayConfig(kms, { SLUICE_DATA_DIR: dataDir, ...env }));
  const works = async (url: string, token: string) => (await api(url, 'GET', '/v1/tokens', { token })).status === 200;

  beforeAll(async () => {
    kms = await startKmsProcess();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bootstrap-'));
  });

  afterAll(async () => {
    await kms?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is replaced, not added to, when SLUICE_ADMIN_TOKEN changes; API-issued admin tokens stay', async () => {
    const first = await start({});
    const generated = first.generatedAdminToken!;
    expect(generated).toMatch(/^slc_/);
    expect(await works(first.url, generated)).toBe(true);
    const issued = (await api(first.url, 'POST', '/v1/tokens', { token: generated, json: {} })).body;
    await first.close();

    const configuredA = `slc_admin_A_${Date.now()}_aaaaaaaa`;
    const second = await start({ SLUICE_ADMIN_TOKEN: configuredA });
    expect(second.generatedAdminToken).toBeUndefined();
    expect(await works(second.url, configuredA)).toBe(true);
    expect(await works(second.url, generated)).toBe(false);
    expect(await works(second.url, issued.token)).toBe(true);
    await second.close();

    const configuredB = `slc_admin_B_${Date.now()}_bbbbbbbb`;
    const third = await start({ SLUICE_ADMIN_TOKEN: configuredB });
    expect(await works(third.url, configuredB)).toBe(true);
    expect(await works(third.url, configuredA)).toBe(false);
    // A revoked bootstrap token stays revoked even if configured again.
    const self = (await api(third.url, 'GET', '/v1/tokens', { token: configuredB })).body.tokens.find((t: { bootstrap: boolean }) => t.bootstrap);
    await api(third.url, 'POST', `/v1/tokens/${self.id}/revoke`, { token: issued.token });
    await third.close();
    const fourth = await start({ SLUICE_ADMIN_TOKEN: configuredB });
    expect(await works(fourth.url, configuredB)).toBe(false);
    expect(await works(fourth.url, configuredA)).toBe(false);
    const listed = (await api(fourth.url, 'GET', '/v1/tokens?all=true', { token: issued.token })).body.tokens;
    expect(listed.filter((t: { role: string; status: string }) => t.role === 'admin' && t.status === 'active')).toHaveLength(1);
    await fourth.close();
  }, 60_000);
});
