import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable } from '../../test/support/backends.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../../test/support/postgres.ts';
import { openProcessLocks, type ProcessLocks } from './process-locks.ts';

/** A promise and the function that settles it, to hold a task open as long as a test wants. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('process locks within one process', () => {
  it('runs tasks on one key one at a time in call order, and other keys beside them', async () => {
    const locks = openProcessLocks(undefined);
    const order: string[] = [];
    const first = gate();
    const a1 = locks.run('s', 'a', async () => {
      order.push('a1 start');
      await first.opened;
      order.push('a1 end');
    });
    const a2 = locks.run('s', 'a', async () => void order.push('a2'));
    await locks.run('s', 'b', async () => void order.push('b'));
    expect(locks.heldHere('s', 'a')).toBe(true);
    expect(locks.heldHere('s', 'b')).toBe(false);
    first.open();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    expect(locks.heldHere('s', 'a')).toBe(false);
    // Without a database nobody else can hold a key: tryRun queues here and runs.
    expect(await locks.tryRun('s', 'a', async () => undefined)).toBe(true);
    await locks.close();
  });
});

/**
 * Two lock sets on one PostgreSQL cluster stand for two gateways: each has its own session, as
 * two processes would. A session that ends (a process that died) frees what it held.
 */
describe.runIf(backendAvailable('postgresql', postgresInstalled()))('process locks shared through PostgreSQL', () => {
  let postgres: PostgresServer;
  let url: string;
  const opened: ProcessLocks[] = [];
  const open = () => {
    const locks = openProcessLocks(url);
    opened.push(locks);
    return locks;
  };

  beforeAll(async () => {
    postgres = await startPostgres();
    url = await postgres.createDatabase();
  });
  afterAll(async () => {
    for (const locks of opened) await locks.close().catch(() => undefined);
    await postgres?.stop();
  });

  it('keeps a key held on one gateway from every other: tryRun skips, run waits its turn', async () => {
    const [a, b] = [open(), open()];
    const held = gate();
    let ran = false;
    const holding = a.run('sluice.test', 'job_1', () => held.opened);
    // Let A take the lock before B looks.
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.tryRun('sluice.test', 'job_1', async () => void (ran = true))).toBe(false);
    expect(ran).toBe(false);
    // Another key is free.
    expect(await b.tryRun('sluice.test', 'job_2', async () => undefined)).toBe(true);
    // The same key in another scope is another lock.
    expect(await b.tryRun('sluice.other', 'job_1', async () => undefined)).toBe(true);

    const order: string[] = [];
    const waiting = b.run('sluice.test', 'job_1', async () => void order.push('b'));
    await new Promise((r) => setTimeout(r, 300));
    order.push('a done');
    held.open();
    await holding;
    await waiting;
    expect(order).toEqual(['a done', 'b']);
    expect(await a.tryRun('sluice.test', 'job_1', async () => undefined)).toBe(true);
  });

  it('answers CONFLICT when the holder does not let go within the wait', async () => {
    const [a, b] = [open(), open()];
    const held = gate();
    const holding = a.run('sluice.test', 'slow', () => held.opened);
    await new Promise((r) => setTimeout(r, 100));
    let ran = false;
    await expect(b.run('sluice.test', 'slow', async () => void (ran = true), 300)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(ran).toBe(false);
    held.open();
    await holding;
  });

  it('frees everything a gateway held when its session ends, and that gateway reconnects for its next lock', async () => {
    const [a, b] = [open(), open()];
    const held = gate();
    const holding = a.run('sluice.test', 'upload_1', () => held.opened);
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.tryRun('sluice.test', 'upload_1', async () => undefined)).toBe(false);

    // As when A's process dies: the server ends its lock session.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const ended = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sluice-locks' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`);
    expect(ended.rowCount).toBe(1);
    await admin.end();
    for (let tries = 0; !(await b.tryRun('sluice.test', 'upload_1', async () => undefined)); tries++) {
      if (tries > 50) throw new Error('the ended session still holds the lock');
      await new Promise((r) => setTimeout(r, 50));
    }
    held.open();
    await holding;
    // A lost its session; it takes a new one for the next lock, which B then sees.
    const again = gate();
    const reheld = a.run('sluice.test', 'upload_2', () => again.opened);
    await new Promise((r) => setTimeout(r, 200));
    expect(await b.tryRun('sluice.test', 'upload_2', async () => undefined)).toBe(false);
    again.open();
    await reheld;
  });
});
