import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readTrustAnchorsFile, verifyConsistency, verifyTreeHead, type SignedTreeHead } from '../../../ledger/index.ts';
import { UsageError, writeLine, type Command } from '../command.ts';

async function fetchJson(url: string, token: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  } catch {
    throw new Error('the gateway did not answer');
  }
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
  if (!response.ok) throw new Error(`the gateway refused: ${body?.error?.code ?? response.status}`);
  return body;
}

/**
 * `sluice ledger monitor`: what a regulator runs on a schedule. It keeps the last tree head it
 * accepted in HEAD_FILE and accepts a newer head only with a consistency proof from the old one —
 * so an operator who rewrites or forks history is caught, without trusting the gateway.
 */
const monitor: Command = {
  summary: 'check that the ledger only grew since the head saved in a file; save the new head',
  usage: 'sluice ledger monitor --server URL --token TOKEN --head HEAD_FILE [--trust TRUST_FILE]',
  async run(args, io) {
    let values: Record<string, string | undefined>;
    try {
      ({ values } = parseArgs({ args, options: { server: { type: 'string' }, token: { type: 'string' }, head: { type: 'string' }, trust: { type: 'string' } }, strict: true }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (!values.server || !values.token || !values.head) throw new UsageError('--server, --token and --head are required');
    const trust = values.trust ? readTrustAnchorsFile(path.resolve(io.cwd, values.trust)) : undefined;
    const headFile = path.resolve(io.cwd, values.head);
    const base = values.server.replace(/\/+$/, '');
    if (!fs.existsSync(headFile)) {
      const head = await fetchJson(`${base}/v1/ledger/head`, values.token);
      const check = verifyTreeHead(head, trust);
      if (!check.valid) return fail(io.stdout, `the served head does not verify: ${check.reason}`);
      fs.writeFileSync(headFile, JSON.stringify(head, null, 2) + '\n');
      writeLine(io.stdout, `trusted first head: ${describe(head as SignedTreeHead)}`);
      return 0;
    }
    const old = JSON.parse(fs.readFileSync(headFile, 'utf8')) as SignedTreeHead;
    const oldCheck = verifyTreeHead(old, trust);
    if (!oldCheck.valid) return fail(io.stdout, `the saved head does not verify: ${oldCheck.reason}`);
    const { head, proof } = (await fetchJson(`${base}/v1/ledger/consistency?fromSize=${old.treeSize}`, values.token)) as { head: SignedTreeHead; proof: unknown };
    const check = verifyConsistency(old, head, proof, trust);
    if (!check.valid) return fail(io.stdout, `history is not consistent with the saved head: ${check.reason}`);
    fs.writeFileSync(headFile, JSON.stringify(head, null, 2) + '\n');
    writeLine(io.stdout, `consistent: ${describe(old)} → ${describe(head)}`);
    return 0;
  },
};

function describe(head: SignedTreeHead): string {
  return `block ${head.blockHeight}, ${head.treeSize} records, root ${head.rootHash.slice(0, 16)}…`;
}

function fail(out: NodeJS.WritableStream, reason: string): number {
  out.write(`INCONSISTENT: ${reason}\n`);
  return 1;
}

export default monitor;
