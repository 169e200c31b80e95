import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../gateway/index.ts';
import { backendAvailable } from '../support/backends.ts';
import { registerParty } from '../support/fixtures.ts';
import { gatewayConfig, useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { startKmsProcess, type RunningKms } from '../support/kms.ts';
import { redisInstalled, startRedis, type RedisServer } from '../support/redis.ts';

const LIMIT = 20;
const guess = () => `slc_${randomBytes(24).toString('base64url')}`;

describe('failed authentication is limited per client address', () => {
  // Behind a proxy on loopback, X-Forwarded-For names the client: that is how this test plays
  // several clients from one machine.
  const harness = useGateway('sqlite', { SLUICE_AUTH_FAILURE_LIMIT: String(LIMIT), SLUICE_TRUST_PROXY: '127.0.0.1' });
  const from = (address: string, token?: string) =>
    api(harness().url, 'GET', '/v1/ledger/trust', { headers: { 'x-forwarded-for': address }, ...(token ? { token } : {}) });

  it('800 random bearer tokens from one address meet 429; the ledger records only the first failures', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 800; i++) {
      const response = await from('203.0.113.7', guess());
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter ??= response.headers.get('retry-after');
        expect(response.body.error.code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(LIMIT);
    expect(statuses.slice(LIMIT).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // While blocked the address gets 429 even with a valid token: answering 200 would tell a
    // guesser which of its guesses was right.
    const owner = await registerParty(harness().url, harness().adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    expect((await from('203.0.113.7', owner.token)).status).toBe(429);
    const failures = (await harness().gateway.ctx.db.selectFrom('outbox').select('record').execute())
      .map((row) => JSON.parse(row.record) as { type: string; data: { event?: string } })
      .filter((r) => r.type === 'audit.event' && r.data.event === 'authentication.failed');
    expect(failures.length).toBe(LIMIT);
  });

  it('keys on the address, not the guessed value: other clients are unaffected, one IPv6 /64 is one client', async () => {
    const owner = await registerParty(harness().url, harness().adminToken, { name: 'Owner 2', kind: 'domestic', jurisdiction: 'CN' });
    expect((await from('198.51.100.9', owner.token)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 5; i++) statuses.push((await from(`2001:db8:aa:bb:${(i + 1).toString(16)}::1`, guess())).status);
    expect(statuses.slice(LIMIT)).toEqual(new Array(5).fill(429));
    expect((await from('2001:db8:aa:cc::1', owner.token)).status).toBe(200);
    // No credential is no guess: a client that forgot its token is refused, not blocked.
    for (let i = 0; i < LIMIT + 5; i++) expect((await from('198.51.100.10')).status).toBe(401);
    expect((await from('198.51.100.10', owner.token)).status).toBe(200);
  });
});

describe.runIf(backendAvailable('redis-server', redisInstalled()))('limits shared by gateways through Redis', () => {
  let redis: RedisServer;
  let kms: RunningKms;
  const gateways: RunningGateway[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    kms = await startKmsProcess();
    for (let i = 0; i < 2; i++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sluice-limits-${i}-`));
      gateways.push(
        await startGateway(
          gatewayConfig(kms, {
            SLUICE_DATA_DIR: dataDir,
            SLUICE_ADMIN_TOKEN: `slc_admin_limits_${i}_${Date.now()}`,
            SLUICE_REDIS_URL: redis.url,
            SLUICE_AUTH_FAILURE_LIMIT: '10',
            SLUICE_RATE_LIMIT: '6',
          }),
        ),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await kms?.stop();
    await redis?.stop();
  });

  it('counts failed authentications at one gateway against the address at the other', async () => {
    const [a, b] = gateways.map((g) => g.url) as [string, string];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api(a, 'GET', '/v1/tokens', { token: guess() })).status);
    for (let i = 0; i < 4; i++) statuses.push((await api(b, 'GET', '/v1/tokens', { token: guess() })).status);
    expect(statuses).toEqual(new Array(10).fill(401));
    expect((await api(b, 'GET', '/v1/tokens', { token: guess() })).status).toBe(429);
    expect((await api(a, 'GET', '/v1/tokens', { token: guess() })).status).toBe(429);
  });

  it('shares the request limit too', async () => {
    const [a, b] = gateways.map((g) => g.url) as [string, string];
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await api(a, 'GET', '/docs/json')).status);
    for (let i = 0; i < 3; i++) statuses.push((await api(b, 'GET', '/docs/json')).status);
    expect(statuses).toEqual(new Array(6).fill(200));
    expect((await api(b, 'GET', '/docs/json')).status).toBe(429);
    expect((await api(a, 'GET', '/docs/json')).status).toBe(429);
  });
});
