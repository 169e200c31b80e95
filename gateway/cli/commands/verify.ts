import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readTrustAnchorsFile, verifyProof, type Proof } from '../../../ledger/index.ts';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';

/**
 * `sluice verify RECEIPT_FILE [--trust TRUST_FILE]`: the regulator's offline check of a
 * `{receipt, proof}` (or `{record, proof}`) body. Talks to no server.
 */
const verify: Command = {
  summary: 'verify a receipt or record with its ledger proof, offline',
  usage: 'sluice verify RECEIPT_FILE [--trust TRUST_FILE]',
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new UsageError('give exactly one RECEIPT_FILE');
    const trust = values.trust === undefined ? undefined : readTrustAnchorsFile(path.resolve(io.cwd, values.trust));
    const body = readJson(io, positionals[0]!, 'RECEIPT_FILE');
    const subject = receiptBody(body);
    if (typeof subject === 'string') return report(io, subject);
    const result = verifyProof(subject.record, subject.proof, trust);
    if (!result.valid) return report(io, result.reason ?? 'proof does not verify');
    writeLine(io.stdout, `valid: ${describe(subject.proof)}`);
    if (!trust) {
      writeLine(io.stdout, 'note: signatures were checked against keys carried in the proof; pass --trust to pin the organizations');
    }
    return 0;
  },
};

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
