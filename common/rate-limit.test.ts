import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable } from '../test/support/backends.ts';
import { redisInstalled, startRedis, type RedisServer } from '../test/support/redis.ts';
import { clientAddressKey, MemoryWindowCounter, openWindowCounter, RedisWindowCounter } from './rate-limit.ts';

describe('window counters', () => {
  it('stays bounded however many distinct keys arrive, and keeps counting the newest', async () => {
    const counter = new MemoryWindowCounter(1000);
    for (let i = 0; i < 10_000; i++) await counter.hit(`guess-${i}`, 60_000);
    expect(counter.size).toBeLessThanOrEqual(1000);
    expect((await counter.hit('guess-9999', 60_000)).count).toBe(2);
    expect((await counter.peek('guess-0')).count).toBe(0);
  });

  it('starts a new window when the last one ended', async () => {
    const counter = new MemoryWindowCounter();
    expect((await counter.hit('k', 30)).count).toBe(1);
    expect((await counter.hit('k', 30)).count).toBe(2);
    await new Promise((r) => setTimeout(r, 40));
    expect((await counter.peek('k')).count).toBe(0);
    expect((await counter.hit('k', 30)).count).toBe(1);
  });

  it('keys IPv4 addresses as they are and IPv6 clients by their /64', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('2001:db8:aa:bb:1::1')).toBe('2001:db8:aa:bb::/64');
    expect(clientAddressKey('2001:0db8:00aa:00bb:ffff:ffff:ffff:ffff')).toBe('2001:db8:aa:bb::/64');
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe.runIf(backendAvailable('redis-server', redisInstalled()))('window counters on Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('are shared by processes, expire with their window, and fall back to memory while Redis is away', async () => {
    const one = await openWindowCounter(redis.url, 'test:');
    const two = await openWindowCounter(redis.url, 'test:');
    expect((await one.hit('addr', 60_000)).count).toBe(1);
    expect((await two.hit('addr', 60_000)).count).toBe(2);
    expect(await one.peek('addr')).toMatchObject({ count: 2, resetMs: expect.any(Number) });
    const inspect = new Redis(redis.url);
    expect(await inspect.pttl('test:addr')).toBeGreaterThan(50_000);
    await inspect.quit();

    const unreachable = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    unreachable.on('error', () => undefined);
    const fallback = new RedisWindowCounter(unreachable, 'test:');
    for (let i = 1; i <= 3; i++) expect((await fallback.hit('addr', 60_000)).count).toBe(i);
    expect((await fallback.peek('addr')).count).toBe(3);
    await Promise.all([one.close(), two.close(), fallback.close()]);
  });
});
