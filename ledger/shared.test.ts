import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sm2GenerateKeyPair, sm2Sign } from '../crypto/index.ts';
import { kmsSealer } from '../kms/index.ts';
import { backendAvailable } from '../test/support/backends.ts';
import { startTestKms, type TestKms } from '../test/support/kms.ts';
import { receiptRecord } from '../test/support/ledger.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from '../test/support/postgres.ts';
import { auditLedger, openEmbeddedLedger, verifyConsistency, verifyProof, type EmbeddedLedger, type EmbeddedLedgerOptions } from './index.ts';

/**
 * The embedded ledger in PostgreSQL, as several gateways share it: one chain whoever appends,
 * one leaf per record id, an operator key no row holds in the clear, and an appender that
 * stalls losing its turn after the lease.
 */
describe.runIf(backendAvailable('postgresql', postgresInstalled()))('embedded ledger shared through PostgreSQL', () => {
  let postgres: PostgresServer;
  let kms: TestKms;
  const opened: EmbeddedLedger[] = [];

  beforeAll(async () => {
    [postgres, kms] = await Promise.all([startPostgres(), startTestKms()]);
  });
  afterAll(async () => {
    for (const ledger of opened) await ledger.close();
    await kms?.close();
    await postgres?.stop();
  });

  async function open(databaseUrl: string, options: Partial<EmbeddedLedgerOptions> = {}): Promise<EmbeddedLedger> {
    const ledger = await openEmbeddedLedger({ dataDir: '/nonexistent', databaseUrl, sealer: kmsSealer(kms.client, 'ledger-operator-key'), ...options });
    opened.push(ledger);
    return ledger;
  }

  it('grows one chain from two gateways appending at once, one leaf per record', async () => {
    const url = await postgres.createDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    expect(a.trustAnchors()).toEqual(b.trustAnchors());
    const trust = a.trustAnchors();
    const first = await a.append(receiptRecord(0));
    const records = Array.from({ length: 300 }, (_, i) => receiptRecord(i + 1));
    // Every tenth record reaches both gateways (a retry through the other one).
    const proofs = await Promise.all(
      records.flatMap((record, i) => [(i % 2 === 0 ? a : b).append(record), ...(i % 10 === 0 ? [(i % 2 === 0 ? b : a).append(record)] : [])]),
    );
    for (const proof of proofs) expect(proof.treeHead.signatures[0]!.publicKey).toBe(trust.orgs.operator![0]);
    const leaves = new Set<number>();
    for (const [i, record] of records.entries()) {
      const anchored = (await (i % 2 === 0 ? b : a).get(record.id))!;
      expect(verifyProof(anchored.record, anchored.proof, trust)).toEqual({ valid: true });
      if (i % 25 === 0) expect((await (i % 2 === 0 ? a : b).get(record.id))!.proof).toEqual(anchored.proof);
      leaves.add((anchored.proof as { leafIndex: number }).leafIndex);
    }
    expect(leaves.size).toBe(records.length);
    const head = (await b.treeHead())!;
    expect(head.treeSize).toBe(records.length + 1);
    expect(verifyConsistency(first.treeHead, head, await a.consistencyProof(1), trust)).toEqual({ valid: true });
    const audit = await auditLedger('', { databaseUrl: url, trust });
    expect(audit).toEqual({ clean: true, blocks: head.blockHeight + 1, records: records.length + 1, findings: [] });
  });

  it('keeps the operator key sealed by the KMS: no row holds it, and signing needs the KMS', async () => {
    const url = await postgres.createDatabase();
    const a = await open(url);
    await a.append(receiptRecord(1));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT key_id, sealed_key, public_key FROM ledger.operator_keys');
      expect(rows).toHaveLength(1);
      const secret = Buffer.from(await kms.client.decrypt(rows[0].key_id, rows[0].sealed_key, { purpose: 'ledger.operator-key', org: 'operator', publicKey: rows[0].public_key }));
      // Every value of every table of the ledger, as text: the key appears in no spelling.
      const dump = await client.query(`SELECT string_agg(t::text, '|') AS all FROM (
        SELECT row_to_json(x)::text AS t FROM ledger.operator_keys x UNION ALL SELECT row_to_json(x)::text FROM ledger.blocks x
        UNION ALL SELECT row_to_json(x)::text FROM ledger.block_signatures x UNION ALL SELECT row_to_json(x)::text FROM ledger.leaves x) rows`);
      const all = String(dump.rows[0].all).toLowerCase();
      for (const spelling of [secret.toString('hex'), secret.toString('base64').toLowerCase()]) expect(all).not.toContain(spelling);

      // A gateway whose KMS is unreachable still proves, but anchors nothing.
      const offline = await open(url, { sealer: kmsSealer({ createKey: () => Promise.reject(new Error('down')), encrypt: () => Promise.reject(new Error('down')), decrypt: () => Promise.reject(Object.assign(new Error('KMS down'), { code: 'KMS_UNAVAILABLE' })) }, 'x') });
      expect((await offline.get('rcpt-1'))?.record).toEqual(receiptRecord(1));
      await expect(offline.append(receiptRecord(2))).rejects.toMatchObject({ code: 'KMS_UNAVAILABLE' });
      expect(await offline.get('rcpt-2')).toBeUndefined();
      expect((await a.append(receiptRecord(2))).treeHead.blockHeight).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('lets another gateway append once a stalled appender’s lease runs out, and refuses the stalled block', async () => {
    const url = await postgres.createDatabase();
    const witness = sm2GenerateKeyPair();
    const leaseMs = 1000;
    // The stalled gateway's witness answers only after three lease times: it holds the append lock meanwhile.
    let stalled!: () => void;
    const stalling = new Promise<void>((resolve) => (stalled = resolve));
    let first = true;
    const slowWitness = async (statement: Uint8Array) => {
      if (first) {
        first = false;
        stalled();
        await new Promise((r) => setTimeout(r, 3 * leaseMs));
      }
      return sm2Sign(statement, witness.privateKey);
    };
    const org = { org: 'witness', alg: 'SM2' as const, publicKey: witness.publicKey };
    const a = await open(url, { leaseMs, organizations: [{ ...org, sign: slowWitness }] });
    const b = await open(url, { leaseMs, organizations: [{ ...org, privateKey: witness.privateKey }] });
    const before = await b.append(receiptRecord(1));

    const late = a.append(receiptRecord(2));
    late.catch(() => undefined);
    await stalling;
    const started = Date.now();
    const taken = await b.append(receiptRecord(3));
    const waited = Date.now() - started;
    // It waited for the lease, not for the stalled appender to wake up.
    expect(waited).toBeLessThan(3 * leaseMs);
    expect(taken.treeHead).toMatchObject({ blockHeight: 1, treeSize: 2 });
    // The stalled appender lost its session with the lock: its block was never committed.
    await expect(late).rejects.toThrow();
    expect(await b.get('rcpt-2')).toBeUndefined();

    // It resumes from the database, not from what it had in memory.
    const resumed = await a.append(receiptRecord(2));
    expect(resumed.treeHead).toMatchObject({ blockHeight: 2, treeSize: 3, previousBlockHash: expect.any(String) });
    const trust = b.trustAnchors();
    expect(verifyConsistency(before.treeHead, resumed.treeHead, await b.consistencyProof(1, 3), trust)).toEqual({ valid: true });
    expect(verifyConsistency(taken.treeHead, resumed.treeHead, await a.consistencyProof(2, 3), trust)).toEqual({ valid: true });
    expect(await auditLedger('', { databaseUrl: url, trust })).toMatchObject({ clean: true, blocks: 3, records: 3 });
  });

  it('needs a key sealer to keep a ledger in PostgreSQL', async () => {
    await expect(openEmbeddedLedger({ dataDir: '/nonexistent', databaseUrl: postgres.url })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
