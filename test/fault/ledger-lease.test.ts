import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sm2GenerateKeyPair } from '../../crypto/index.ts';
import { kmsSealer } from '../../kms/index.ts';
import { auditLedger, openEmbeddedLedger, verifyConsistency, verifyProof, type EmbeddedLedger, type EmbeddedProof } from '../../ledger/index.ts';
import { backendAvailable } from '../support/backends.ts';
import { repoRoot } from '../support/files.ts';
import { startTestKms, type TestKms } from '../support/kms.ts';
import { receiptRecord } from '../support/ledger.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../support/postgres.ts';

const LEASE_MS = 2000;

/** A gateway's ledger in another process, driven line by line (test/support/processes/ledger-appender.ts). */
interface Appender {
  child: ChildProcess;
  /** The next line it prints that satisfies `match`. */
  next(match: (line: string) => boolean): Promise<string>;
  append(n: number): void;
}

/**
 * The append lock of the ledger gateways share in PostgreSQL, with real processes: a holder
 * SIGKILLed inside its round gives way at once; one SIGSTOPped inside it gives way after the
 * lease, and its late block is refused. Whoever appends next resumes from the database, so
 * every head served before and after is consistent — no fork.
 */
describe.runIf(backendAvailable('postgresql', postgresInstalled()))('the shared ledger’s append lease', () => {
  let postgres: PostgresServer;
  let kms: TestKms;
  const witness = sm2GenerateKeyPair();
  const cleanups: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    [postgres, kms] = await Promise.all([startPostgres(), startTestKms()]);
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  afterAll(async () => {
    await kms?.close();
    await postgres?.stop();
  });

  async function local(url: string): Promise<EmbeddedLedger> {
    const ledger = await openEmbeddedLedger({
      dataDir: '/nonexistent',
      databaseUrl: url,
      leaseMs: LEASE_MS,
      sealer: kmsSealer(kms.client, 'ledger-operator-key'),
      organizations: [{ org: 'witness', alg: 'SM2', publicKey: witness.publicKey, privateKey: witness.privateKey }],
    });
    cleanups.push(() => ledger.close());
    return ledger;
  }

  async function appender(url: string, hangAt: number, hangMs: number): Promise<Appender> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/support/processes/ledger-appender.ts')], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: url,
        LEASE_MS: String(LEASE_MS),
        KMS_URL: kms.url,
        KMS_TOKEN: kms.token,
        WITNESS_PUBLIC: witness.publicKey,
        WITNESS_PRIVATE: witness.privateKey,
        HANG_AT: String(hangAt),
        HANG_MS: String(hangMs),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    cleanups.push(() => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGKILL')))));
    const lines: string[] = [];
    const waiting: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const i = waiting.findIndex((w) => w.match(line));
      if (i >= 0) waiting.splice(i, 1)[0]!.resolve(line);
      else lines.push(line);
    });
    const next = (match: (line: string) => boolean) =>
      new Promise<string>((resolve, reject) => {
        const i = lines.findIndex(match);
        if (i >= 0) return resolve(lines.splice(i, 1)[0]!);
        waiting.push({ match, resolve });
        child.once('exit', () => reject(new Error('the appender exited')));
      });
    const started = { child, next, append: (n: number) => child.stdin!.write(JSON.stringify(receiptRecord(n)) + '\n') };
    await next((line) => line === 'ready');
    return started;
  }

  const outcome = async (a: Appender, n: number) => JSON.parse(await a.next((line) => line.startsWith(`{"id":"rcpt-${n}"`))) as { proof?: EmbeddedProof; error?: string };

  it('gives the append lock to another gateway at once when its holder is SIGKILLed mid-round', { timeout: 60_000 }, async () => {
    const url = await postgres.createDatabase();
    const survivor = await local(url);
    const holder = await appender(url, 2, 600_000);
    holder.append(1);
    const served = (await outcome(holder, 1)).proof!;
    holder.append(2);
    await holder.next((line) => line === 'holding');

    const waiting = survivor.append(receiptRecord(3));
    const killedAt = Date.now();
    holder.child.kill('SIGKILL');
    const taken = await waiting;
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS);
    expect(taken.treeHead).toMatchObject({ blockHeight: 1, treeSize: 2 });
    expect(await survivor.get('rcpt-2')).toBeUndefined();

    const trust = survivor.trustAnchors();
    expect(verifyProof(receiptRecord(1), served, trust)).toEqual({ valid: true });
    expect(verifyConsistency(served.treeHead, taken.treeHead, await survivor.consistencyProof(1, 2), trust)).toEqual({ valid: true });
    expect(await auditLedger('', { databaseUrl: url, trust })).toMatchObject({ clean: true, blocks: 2, records: 2 });
  });

  it('gives it away after the lease when its holder is SIGSTOPped mid-round, and refuses the late block', { timeout: 60_000 }, async () => {
    const url = await postgres.createDatabase();
    const other = await local(url);
    const holder = await appender(url, 2, LEASE_MS / 2);
    holder.append(1);
    const served = (await outcome(holder, 1)).proof!;
    holder.append(2);
    await holder.next((line) => line === 'holding');
    holder.child.kill('SIGSTOP');
    cleanups.push(() => holder.child.kill('SIGCONT'));

    const started = Date.now();
    const taken = await other.append(receiptRecord(3));
    const waited = Date.now() - started;
    // It could only commit once the stalled holder's session was gone: the lease, not a wake-up.
    expect(waited).toBeLessThan(3 * LEASE_MS);
    expect(taken.treeHead).toMatchObject({ blockHeight: 1, treeSize: 2 });

    // Woken up, the stalled gateway finds its session gone: its block is not committed.
    holder.child.kill('SIGCONT');
    expect(await outcome(holder, 2)).toMatchObject({ error: expect.any(String) });
    expect(await other.get('rcpt-2')).toBeUndefined();
    // Its next round resumes from the database and extends the survivor's block.
    holder.append(2);
    const resumed = (await outcome(holder, 2)).proof!;
    expect(resumed.treeHead).toMatchObject({ blockHeight: 2, treeSize: 3 });
    const trust = other.trustAnchors();
    for (const [older, newer] of [[served, taken], [taken, resumed], [served, resumed]] as const) {
      const proof = await other.consistencyProof(older.treeHead.treeSize, newer.treeHead.treeSize);
      expect(verifyConsistency(older.treeHead, newer.treeHead, proof, trust)).toEqual({ valid: true });
    }
    expect(await auditLedger('', { databaseUrl: url, trust })).toMatchObject({ clean: true, blocks: 3, records: 3 });
  });
});
