import pg from 'pg';
import { fail } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** How long `run` waits for another process to let go of a key before answering CONFLICT. */
const DEFAULT_WAIT_MS = 30_000;
const FIRST_POLL_MS = 10;
const LONGEST_POLL_MS = 200;

/**
 * Work one gateway process does on one thing — an upload, a compute job — that no other process
 * may touch meanwhile. Within the process, tasks on a key run one at a time in call order. With
 * PostgreSQL, a running task also holds a session-level advisory lock on the key, taken on a
 * connection of this process's own: the other gateways on the database see the key as held, and
 * the lock ends with the process, so one that dies leaves nothing to expire or clean up.
 * Without PostgreSQL (SQLite: one gateway per database) the locks are this process's alone.
 *
 * Advisory locks are only ever tried, never waited on inside the server: one session holds
 * every lock of the process, and a wait there would stall them all.
 */
export interface ProcessLocks {
  /**
   * Runs `task` holding `key` of `scope`: after the tasks queued here before it, and once no other
   * process holds the key (waiting up to `waitMs`, then CONFLICT without running it).
   */
  run<T>(scope: string, key: string, task: () => Promise<T>, waitMs?: number): Promise<T>;
  /** As `run`, but when another process holds the key, resolves false at once without running `task`. */
  tryRun(scope: string, key: string, task: () => Promise<unknown>): Promise<boolean>;
  /** Whether a task of this process holds or waits for the key. */
  heldHere(scope: string, key: string): boolean;
  /** Resolves once every task started so far has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Locks shared by every process on the PostgreSQL database at `databaseUrl`, or this process's own without one. */
export function openProcessLocks(databaseUrl: string | undefined, logger?: Logger): ProcessLocks {
  return new Locks(databaseUrl ? new LockSession(databaseUrl, logger) : undefined);
}

class Locks implements ProcessLocks {
  /** Per key: the end of its queue here, and how many tasks are in it. */
  readonly #queues = new Map<string, { tail: Promise<unknown>; tasks: number }>();

  constructor(private readonly session: LockSession | undefined) {}

  run<T>(scope: string, key: string, task: () => Promise<T>, waitMs = DEFAULT_WAIT_MS): Promise<T> {
    return this.#queue(scope, key, async () => {
      const held = await this.session?.acquire(scope, key, waitMs);
      try {
        return await task();
      } finally {
        await held?.release();
      }
    });
  }

  tryRun(scope: string, key: string, task: () => Promise<unknown>): Promise<boolean> {
    return this.#queue(scope, key, async () => {
      const held = await this.session?.tryAcquire(scope, key);
      if (this.session && !held) return false;
      try {
        await task();
        return true;
      } finally {
        await held?.release();
      }
    });
  }

  heldHere(scope: string, key: string): boolean {
    return this.#queues.has(lockId(scope, key));
  }

  async idle(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.tail));
  }

  async close(): Promise<void> {
    await this.idle();
    await this.session?.close();
  }

  #queue<T>(scope: string, key: string, task: () => Promise<T>): Promise<T> {
    const id = lockId(scope, key);
    const queue = this.#queues.get(id) ?? { tail: Promise.resolve(), tasks: 0 };
    queue.tasks++;
    // The count drops before the caller sees the result, so heldHere is exact from then on.
    const result = queue.tail.then(task).finally(() => {
      if (--queue.tasks === 0) this.#queues.delete(id);
    });
    queue.tail = result.catch(() => undefined);
    this.#queues.set(id, queue);
    return result;
  }
}

function lockId(scope: string, key: string): string {
  return `${scope}\u0000${key}`;
}

/** A lock held on the session; released on that session only (a lost session released it already). */
interface HeldLock {
  release(): Promise<void>;
}

/** The process's own PostgreSQL session for advisory locks, reconnected when lost. */
class LockSession {
  #connecting: Promise<pg.Client> | undefined;
  #closed = false;

  constructor(
    private readonly url: string,
    private readonly logger: Logger | undefined,
  ) {}

  async acquire(scope: string, key: string, waitMs: number): Promise<HeldLock> {
    const deadline = Date.now() + waitMs;
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, LONGEST_POLL_MS)) {
      const held = await this.tryAcquire(scope, key);
      if (held) return held;
      if (Date.now() + pause > deadline) throw fail.conflict('another gateway is working on this; try again shortly');
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  async tryAcquire(scope: string, key: string): Promise<HeldLock | undefined> {
    const client = await this.#client();
    // Two 32-bit keys, as the other advisory locks here (a key space apart from single-key locks).
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked', [scope, key]);
    if (!rows[0]?.locked) return undefined;
    return {
      release: async () => {
        if (this.#connecting === undefined || (await this.#connecting.catch(() => undefined)) !== client) return;
        await client.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [scope, key]).catch((error: unknown) => {
          this.logger?.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'advisory lock not released; it ends with the session');
        });
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = await this.#connecting?.catch(() => undefined);
    this.#connecting = undefined;
    await client?.end();
  }

  #client(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('process locks are closed'));
    if (this.#connecting) return this.#connecting;
    const client = new pg.Client({ connectionString: this.url, application_name: 'sluice-locks' });
    const connecting = client.connect().then(() => client);
    this.#connecting = connecting;
    const lost = () => {
      if (this.#connecting !== connecting) return;
      this.#connecting = undefined;
      if (!this.#closed) this.logger?.warn('lock session lost: the uploads and jobs it held are free for other gateways; reconnecting at the next lock');
    };
    client.on('error', lost);
    client.on('end', lost);
    connecting.catch(lost);
    return connecting;
  }
}
