import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { registerParty } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

describe('HTTP surface', () => {
  const harness = useGateway('sqlite', { SLUICE_RATE_LIMIT: '40' });

  it('serves the OpenAPI document with a body and response schema for every route', async () => {
    const page = await fetch(`${harness().url}/docs`);
    expect(page.status).toBe(200);
    const spec = await api(harness().url, 'GET', '/docs/json');
    expect(spec.status).toBe(200);
    const operations = Object.entries(spec.body.paths as Record<string, Record<string, any>>).flatMap(([route, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route, method, op })),
    );
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.route}`)).toEqual(
      expect.arrayContaining(['POST /v1/parties', 'POST /v1/datasets', 'POST /v1/contracts', 'POST /v1/transfers', 'POST /v1/ledger/verify']),
    );
    for (const { op, method, route } of operations) {
      expect(Object.keys(op.responses ?? {}), `${method} ${route}`).toContain('4XX');
      if (method === 'post' && !route.endsWith('/revoke')) expect(op.requestBody, `${method} ${route}`).toBeDefined();
    }
  });

  it('answers unknown routes and methods with the SURFACE error body', async () => {
    const response = await api(harness().url, 'GET', '/v1/nothing-here', { token: harness().adminToken });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no such route' } });
  });

  it('turns schema violations into VALIDATION_FAILED without echoing the value', async () => {
    const secret = 'SECRET-VALUE-4242';
    const response = await api(harness().url, 'POST', '/v1/parties', {
      token: harness().adminToken,
      json: { name: 'x', kind: secret, jurisdiction: 'CN' },
    });
    expect([response.status, response.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(response.text).not.toContain(secret);
    const extra = await api(harness().url, 'POST', '/v1/parties', { token: harness().adminToken, json: { name: 'x', kind: 'domestic', jurisdiction: 'CN', [secret]: 1 } });
    expect(extra.status).toBe(400);
    expect(extra.text).not.toContain(secret);
  });

  it('records denials and admin actions as audit events on the ledger, and follows KMS key events', async () => {
    const owner = await registerParty(harness().url, harness().adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    await api(harness().url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'd', fields: [{ name: 'a', type: 'string' }] } });
    await api(harness().url, 'GET', '/v1/contracts/ctr_00000000000000000000000000000000', { token: 'slc_wrong_token_wrong_token' });
    const { ctx } = harness().gateway;
    await ctx.relay.drain();
    const rows = await ctx.db.selectFrom('outbox').select(['record', 'anchored_at']).execute();
    const records = rows.map((r) => JSON.parse(r.record));
    const audit = records.filter((r) => r.type === 'audit.event').map((r) => r.data.event);
    expect(audit).toEqual(expect.arrayContaining(['admin.action', 'authentication.failed']));
    expect(rows.map((r) => r.record).join()).not.toContain('slc_wrong_token');
    const deadline = Date.now() + 10_000;
    while (!records.some((r) => r.type === 'key.event') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      records.splice(0, records.length, ...(await ctx.db.selectFrom('outbox').select('record').execute()).map((r) => JSON.parse(r.record)));
    }
    const keyEvents = records.filter((r) => r.type === 'key.event');
    expect(keyEvents.map((r) => r.data.operation)).toEqual(expect.arrayContaining(['create', 'datakey']));
  });

  it('rate-limits a token with 429 RATE_LIMITED', async () => {
    const probe = await registerParty(harness().url, harness().adminToken, { name: 'Probe', kind: 'regulator', jurisdiction: 'CN' });
    const statuses: number[] = [];
    let last: any;
    for (let i = 0; i < 45; i++) {
      last = await api(harness().url, 'GET', '/v1/parties/pty_00000000000000000000000000000000', { token: probe.token });
      statuses.push(last.status);
    }
    expect(statuses).toContain(429);
    expect(last.body.error.code).toBe('RATE_LIMITED');
  });

  it('lets a monitor accept only heads consistent with the one it saved', async () => {
    const { url, adminToken } = harness();
    const headFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-monitor-')), 'head.json');
    const args = ['ledger', 'monitor', '--server', url, '--token', adminToken, '--head', headFile];
    const first = await runCli(args);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const saved = JSON.parse(fs.readFileSync(headFile, 'utf8'));
    await registerParty(url, adminToken, { name: 'Another', kind: 'domestic', jurisdiction: 'CN' });
    await harness().gateway.ctx.relay.drain();
    const second = await runCli(args);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(headFile, 'utf8')).treeSize).toBeGreaterThan(saved.treeSize);
    const forged = JSON.parse(fs.readFileSync(headFile, 'utf8'));
    forged.rootHash = forged.rootHash.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    fs.writeFileSync(headFile, JSON.stringify(forged));
    const caught = await runCli(args);
    expect(caught.code).toBe(1);
    expect(caught.stdout).toContain('INCONSISTENT');
  });
});
