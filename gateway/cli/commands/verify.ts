import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readTrustAnchorsFile, verifyProof, type Proof, type TrustAnchors } from '../../../ledger/index.ts';
import { readPinned, trustStorePath } from '../trust-store.ts';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';

/**
 * `sluice verify RECEIPT_FILE [--trust TRUST_FILE]`: the regulator's offline check of a
 * `{receipt, proof}` (or `{record, proof}`) body against trust anchors — the `--trust` file, or
 * else the anchors pinned with `sluice trust pin`. Talks to no server. Exit 0 valid, 1 invalid,
 * 2 usage, 3 unverifiable: with no anchor given or pinned it never says valid, since keys
 * carried in the proof vouch only for themselves.
 */
const verify: Command = {
  summary: 'verify a receipt or record with its ledger proof, offline, against pinned trust anchors',
  usage: 'sluice verify RECEIPT_FILE [--trust TRUST_FILE]',
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new UsageError('give exactly one RECEIPT_FILE');
    const given = values.trust === undefined ? undefined : readTrustAnchorsFile(path.resolve(io.cwd, values.trust));
    const body = readJson(io, positionals[0]!, 'RECEIPT_FILE');
    const subject = receiptBody(body);
    if (typeof subject === 'string') return report(io, subject);
    const integrity = verifyProof(subject.record, subject.proof);
    if (!integrity.valid) return report(io, integrity.reason ?? 'proof does not verify');
    const candidates = given ? [{ source: 'the --trust file', anchors: given }] : pinnedFor(io, subject.proof);
    if (candidates.length === 0) {
      writeLine(io.stdout, 'unverifiable: no trust anchors given or pinned; the keys in the proof vouch only for themselves');
      writeLine(io.stdout, 'pin the gateway\'s anchors with `sluice trust pin URL`, or pass --trust TRUST_FILE');
      return UNVERIFIABLE;
    }
    const reasons: string[] = [];
    for (const { source, anchors } of candidates) {
      const result = verifyProof(subject.record, subject.proof, anchors);
      if (result.valid) {
        writeLine(io.stdout, `valid: ${describe(subject.proof)}`);
        writeLine(io.stdout, `anchors: ${source}`);
        return 0;
      }
      reasons.push(`${result.reason ?? 'proof does not verify'} (anchors: ${source})`);
    }
    return report(io, reasons.join('; '));
  },
};

const UNVERIFIABLE = 3;

/** Pinned anchor sets that can judge this proof (an embedded set cannot judge a Fabric proof). */
function pinnedFor(io: CliIO, proof: Proof): { source: string; anchors: TrustAnchors }[] {
  const file = trustStorePath(io);
  if (!file) return [];
  return Object.entries(readPinned(file))
    .filter(([, entry]) => entry.anchors.ledger === undefined || entry.anchors.ledger === proof.kind)
    .map(([origin, entry]) => ({ source: `pinned from ${origin} at ${entry.pinnedAt}`, anchors: entry.anchors }));
}

export default verify;

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: { trust: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function readJson(io: CliIO, file: string, name: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(io.cwd, file), 'utf8');
  } catch {
    throw new UsageError(`cannot read ${name} ${file}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The record and proof of a receipt body, or why the body is not one. */
function receiptBody(body: unknown): { record: unknown; proof: Proof } | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'RECEIPT_FILE is not a JSON object';
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'proof,receipt' && keys !== 'proof,record') return 'RECEIPT_FILE must hold exactly {receipt, proof} or {record, proof}';
  const { receipt, record, proof } = body as { receipt?: unknown; record?: unknown; proof: Proof };
  return { record: receipt ?? record, proof };
}

function describe(proof: Proof): string {
  if (proof.kind === 'fabric') {
    const orgs = proof.endorsements.map((e) => e.org).join(', ');
    return `fabric transaction ${proof.transactionId} in block ${proof.blockNumber} on channel ${proof.channel}, endorsed by ${orgs}`;
  }
  const head = proof.treeHead;
  const signers = head.signatures.map((s) => `${s.org} (${s.alg})`).join(', ');
  return `embedded leaf ${proof.leafIndex} of tree size ${head.treeSize}, block ${head.blockHeight} at ${head.timestamp}, signed by ${signers}`;
}

function report(io: CliIO, reason: string): number {
  writeLine(io.stdout, `invalid: ${reason}`);
  return 1;
}
