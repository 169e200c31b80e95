import { isIPv6 } from 'node:net';
import type { Logger } from './logger.ts';

/** A count in a fixed window and how long until the window ends. */
export interface WindowCount {
  count: number;
  resetMs: number;
}

/**
 * Counts events per key in fixed windows: the request rate limiter's store and the
 * failed-authentication limiter share it. In memory it is bounded; on Redis it is shared by
 * every gateway process, each key expiring with its window.
 */
export interface WindowCounter {
  /** Adds one to `key` in its current window (a new window starts when the last one ended). */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /** The current count of `key`, without adding. */
  peek(key: string): Promise<WindowCount>;
  close(): Promise<void>;
}

/** Keys kept in memory at most; past it the entries nearest their end are dropped first. */
const MEMORY_KEYS = 50_000;

export class MemoryWindowCounter implements WindowCounter {
  // Insertion order is window-start order, since a key is (re)inserted when its window starts.
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly maxKeys = MEMORY_KEYS) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      this.windows.delete(key);
      this.makeRoom(now);
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetMs: window.endsAt - now };
  }

  async peek(key: string): Promise<WindowCount> {
    const now = Date.now();
    const window = this.windows.get(key);
    return window && window.endsAt > now ? { count: window.count, resetMs: window.endsAt - now } : { count: 0, resetMs: 0 };
  }

  get size(): number {
    return this.windows.size;
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private makeRoom(now: number): void {
    for (const [key, window] of this.windows) {
      if (this.windows.size < this.maxKeys && window.endsAt > now) return;
      this.windows.delete(key);
    }
  }
}

/** What the counter needs of an ioredis client. */
interface RedisClient {
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

// INCR and the window's expiry in one step, so a key never lives without its expiry.
const HIT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;
const PEEK = `return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1])}`;

/**
 * Windows in Redis, shared by gateway processes. While Redis cannot be reached it counts in
 * this process's memory instead: limits then hold per process, never not at all.
 */
export class RedisWindowCounter implements WindowCounter {
  private readonly fallback = new MemoryWindowCounter();
  private warnedAt = -Infinity;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly logger?: Logger,
  ) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    try {
      return windowCount(await this.redis.eval(HIT, 1, this.prefix + key, windowMs));
    } catch (error) {
      this.unreachable(error);
      return this.fallback.hit(key, windowMs);
    }
  }

  async peek(key: string): Promise<WindowCount> {
    try {
      const shared = windowCount(await this.redis.eval(PEEK, 1, this.prefix + key));
      const local = await this.fallback.peek(key);
      return local.count > shared.count ? local : shared;
    } catch (error) {
      this.unreachable(error);
      return this.fallback.peek(key);
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  /** Says so in the log at most once a minute, not once per request. */
  unreachable(error: unknown): void {
    const now = Date.now();
    if (now - this.warnedAt < 60_000) return;
    this.warnedAt = now;
    this.logger?.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'rate-limit counters unreachable in Redis; counting in this process');
  }
}

function windowCount(reply: unknown): WindowCount {
  const [count, ttl] = reply as [number, number];
  return { count: Number(count), resetMs: Math.max(0, Number(ttl)) };
}

/** A counter on `redisUrl` when given (ioredis loaded only then), else in memory. */
export async function openWindowCounter(redisUrl: string | undefined, prefix: string, logger?: Logger): Promise<WindowCounter> {
  if (!redisUrl) return new MemoryWindowCounter();
  const { Redis } = await import('ioredis');
  // Fail fast instead of queueing commands while Redis is away: the memory fallback takes over.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  redis.on('error', () => undefined);
  const counter = new RedisWindowCounter(redis, prefix, logger);
  // Unreachable at start: counts stay local until ioredis reconnects on its own.
  await redis.connect().catch((error: unknown) => counter.unreachable(error));
  return counter;
}

/**
 * The rate limiter's key for a client address: the address itself, but an IPv6 client's whole
 * /64 network, since one host commonly holds all of one.
 */
export function clientAddressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(ip: string): string[] {
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...new Array<string>(missing).fill('0'), ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * A store for `@fastify/rate-limit` over a `WindowCounter`, so the request limiter shares the
 * failed-authentication limiter's (bounded, optionally Redis-backed) counts.
 */
export function rateLimitStore(counter: WindowCounter, prefix: string) {
  return class CounterStore {
    // The plugin passes its window as a third argument its type declaration leaves out.
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow = 60_000): void {
      counter.hit(prefix + key, timeWindow).then(
        ({ count, resetMs }) => callback(null, { current: count, ttl: resetMs }),
        (error: Error) => callback(error),
      );
    }

    child(): CounterStore {
      return this;
    }
  };
}
