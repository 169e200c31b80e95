import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalize, sm3, sm3Hex } from '../crypto/index.ts';
import { openEmbeddedLedger, verifyProof, type EmbeddedProof, type LedgerRecord } from '../ledger/index.ts';
import type { BenchResult } from './types.ts';

const RECORDS = 100_000;
const CONCURRENCY = 10_000;
const NAIVE_RECORDS = 3_000;
const UNBATCHED_RECORDS = 300;
const SAMPLES = 2_000;

// The baselines hash as RFC 9162 prescribes but share no code with the ledger they are compared to.
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);
const leafHash = (data: Uint8Array) => sm3(Buffer.concat([LEAF, data]));
const nodeHash = (left: Uint8Array, right: Uint8Array) => sm3(Buffer.concat([NODE, left, right]));

function receipt(n: number): LedgerRecord {
  return {
    id: `rcpt-${n}`,
    type: 'transfer.receipt',
    timestamp: new Date(Date.UTC(2026, 4, 1, 8, 0, 0, n)).toISOString(),
    contractId: `ctr-${n % 97}`,
    exporterId: `party-${n % 13}`,
    data: { transferId: `tr-${n}`, records: 1000 + (n % 500), subjects: 40 + (n % 60), packageDigest: sm3Hex(String(n)) },
  };
}

/** RFC 9162 MTH recomputed from every leaf hash: what a ledger without cached interior nodes does. */
function naiveRoot(hashes: Uint8Array[], start = 0, size = hashes.length): Uint8Array {
  if (size === 1) return hashes[start]!;
  let k = 1;
  while (k * 2 < size) k *= 2;
  return nodeHash(naiveRoot(hashes, start, k), naiveRoot(hashes, start + k, size - k));
}

/** RFC 9162 PATH(m, D[n]) recomputed from every leaf hash. */
function naivePath(hashes: Uint8Array[], m: number, start = 0, size = hashes.length): Uint8Array[] {
  if (size === 1) return [];
  let k = 1;
  while (k * 2 < size) k *= 2;
  return m < k
    ? [...naivePath(hashes, m, start, k), naiveRoot(hashes, start + k, size - k)]
    : [...naivePath(hashes, m - k, start + k, size - k), naiveRoot(hashes, start, k)];
}

/** A hash chain proves record m only by re-hashing every later link up to the signed head. */
function chainWalk(hashes: Uint8Array[], m: number): Uint8Array {
  let link = hashes[m]!;
  for (let j = m + 1; j < hashes.length; j++) link = nodeHash(link, hashes[j]!);
  return link;
}

function microseconds(samples: number, op: (i: number) => unknown, warmups = Math.min(200, samples)): number {
  for (let i = 0; i < warmups; i++) op(i);
  const started = performance.now();
  for (let i = 0; i < samples; i++) op(i);
  return ((performance.now() - started) * 1000) / samples;
}

function result(name: string, value: number, unit: string, baselineName: string, baselineValue: number): BenchResult {
  return { name, value, unit, baseline: { name: baselineName, value: baselineValue }, ratio: value / baselineValue };
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-ledger-bench-'));
  try {
    const results: BenchResult[] = [];
    const records = Array.from({ length: RECORDS }, (_, n) => receipt(n));

    // Batched: the embedded ledger as the gateway runs it (default batches of ≤1000 records or
    // 5 ms), each append resolving with its proof against a signed (SM2) and stored block.
    const ledger = await openEmbeddedLedger({ dataDir: path.join(dir, 'batched') });
    // One receipt per block, kept for the cold verification figure: each has a head not yet verified.
    const firstOfBlock = new Map<number, { record: LedgerRecord; proof: EmbeddedProof }>();
    const started = performance.now();
    for (let offset = 0; offset < RECORDS; offset += CONCURRENCY) {
      const chunk = records.slice(offset, offset + CONCURRENCY);
      const proofs = await Promise.all(chunk.map((r) => ledger.append(r)));
      proofs.forEach((proof, i) => {
        if (!firstOfBlock.has(proof.treeHead.blockHeight)) firstOfBlock.set(proof.treeHead.blockHeight, { record: chunk[i]!, proof });
      });
    }
    const batchedRate = RECORDS / ((performance.now() - started) / 1000);
    const blocks = (await ledger.treeHead())!.blockHeight + 1;

    // Naive: per append, hash the record and recompute the root from all leaf hashes so far;
    // in memory, unsigned, unstored — everything the batched figure pays for beyond hashing is free here.
    const naiveStarted = performance.now();
    const hashes: Uint8Array[] = [];
    for (const r of records.slice(0, NAIVE_RECORDS)) {
      hashes.push(leafHash(Buffer.from(canonicalize(r))));
      naiveRoot(hashes);
    }
    const naiveRate = NAIVE_RECORDS / ((performance.now() - naiveStarted) / 1000);
    results.push(
      result(
        `append, batched into signed blocks (${RECORDS / 1000}k records, ${CONCURRENCY / 1000}k concurrent, ${blocks} blocks)`,
        batchedRate,
        'appends/s',
        `naive: recompute root from all leaves per append (first ${NAIVE_RECORDS / 1000}k)`,
        naiveRate,
      ),
    );

    // Unbatched: one block (SQLite commit + SM2 signature) per record, appended one at a time.
    const unbatched = await openEmbeddedLedger({ dataDir: path.join(dir, 'unbatched'), batch: { maxRecords: 1 } });
    const unbatchedStarted = performance.now();
    for (const r of records.slice(0, UNBATCHED_RECORDS)) await unbatched.append(r);
    const unbatchedRate = UNBATCHED_RECORDS / ((performance.now() - unbatchedStarted) / 1000);
    await unbatched.close();
    results.push(
      result('append, batched (as above)', batchedRate, 'appends/s', 'one signed block per record, sequential', unbatchedRate),
    );

    // Proof generation for old records against the latest head: get() reads the leaf and the
    // O(log n) stored subtree hashes its path needs.
    const picks = Array.from({ length: SAMPLES }, (_, i) => (i * 7919) % RECORDS);
    const anchored = await Promise.all(picks.slice(0, 200).map((n) => ledger.get(`rcpt-${n}`)));
    const getStarted = performance.now();
    for (const n of picks) await ledger.get(`rcpt-${n}`);
    const generateUs = ((performance.now() - getStarted) * 1000) / SAMPLES;
    const allHashes = records.map((r) => leafHash(Buffer.from(canonicalize(r))));
    const naiveGenerateUs = microseconds(3, (i) => naivePath(allHashes, picks[i]!), 1);
    results.push(
      result(
        `proof generation: get() on a ${RECORDS / 1000}k-leaf ledger (lower is better)`,
        generateUs,
        'µs/proof',
        'naive: PATH(m) recomputed from all leaf hashes',
        naiveGenerateUs,
      ),
    );

    // Verification: leaf hash, audit path and head signatures. A verifier checking many
    // receipts verifies each head's SM2 signature once; the cold figure pays it every time.
    const subjects = anchored.map((a) => a!);
    subjects.forEach((a) => verifyProof(a.record, a.proof));
    const warmUs = microseconds(SAMPLES, (i) => verifyProof(subjects[i % subjects.length]!.record, subjects[i % subjects.length]!.proof));
    const chainUs = microseconds(3, (i) => chainWalk(allHashes, picks[i]!), 1);
    results.push(
      result('proof verification, head signature already checked (lower is better)', warmUs, 'µs/proof', 'hash chain: re-hash from the record to the head', chainUs),
    );
    const cold = [...firstOfBlock.values()];
    const coldUs = microseconds(cold.length, (i) => verifyProof(cold[i]!.record, cold[i]!.proof), 0);
    results.push(
      result('proof verification, cold (incl. SM2 check of a new head)', coldUs, 'µs/proof', 'hash chain: re-hash from the record to the head', chainUs),
    );
    await ledger.close();
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
