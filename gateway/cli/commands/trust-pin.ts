import { parseArgs } from 'node:util';
import { trustAnchorsProblem, type TrustAnchors } from '../../../ledger/index.ts';
import { UsageError, writeLine, type Command } from '../command.ts';
import { GATEWAY_OPTIONS, gatewayCall, gatewayToken, gatewayUrl } from '../gateway-access.ts';
import { anchorLines, readPinned, trustStorePath, writePinned } from '../trust-store.ts';

/**
 * `sluice trust pin URL`: fetches a gateway's trust anchors (`GET /v1/ledger/trust`), shows
 * their fingerprints and saves them in the pinned-anchors store, trust on first use as SSH does
 * with host keys. Anchors that differ from those pinned before are refused unless
 * `--accept-changed` says the change was checked (an operator-key rotation, a new co-signer).
 * Exit 0 pinned or unchanged, 1 refused or unreachable, 2 usage.
 */
const trustPin: Command = {
  summary: 'fetch, show and pin a gateway\'s ledger trust anchors (trust on first use)',
  usage: 'sluice trust pin URL [--token T | --token-file FILE] [--accept-changed]   (token also from SLUICE_TOKEN; store: SLUICE_TRUST_STORE)',
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new UsageError('give exactly one gateway URL');
    const base = gatewayUrl(io, {}, positionals[0]);
    const origin = base.origin;
    const token = gatewayToken(io, values);
    const file = trustStorePath(io);
    if (!file) throw new UsageError('set SLUICE_TRUST_STORE (or HOME) to say where pinned anchors are kept');
    const anchors = await fetchAnchors(base, token);
    const lines = anchorLines(anchors);
    writeLine(io.stdout, `trust anchors of ${origin}${anchors.ledger ? ` (${anchors.ledger} ledger)` : ''}:`);
    for (const line of lines) writeLine(io.stdout, `  ${line}`);

    const pinned = readPinned(file);
    const previous = pinned[origin];
    if (previous) {
      const before = new Set(anchorLines(previous.anchors));
      const after = new Set(lines);
      const removed = [...before].filter((l) => !after.has(l));
      const added = lines.filter((l) => !before.has(l));
      if (removed.length === 0 && added.length === 0) {
        writeLine(io.stdout, `unchanged since pinned at ${previous.pinnedAt} (${file})`);
        return 0;
      }
      writeLine(io.stdout, `WARNING: these anchors differ from those pinned at ${previous.pinnedAt}:`);
      for (const line of removed) writeLine(io.stdout, `  - ${line}`);
      for (const line of added) writeLine(io.stdout, `  + ${line}`);
      if (!values['accept-changed']) {
        writeLine(io.stdout, 'not pinned: confirm the change with the operator out of band, then run again with --accept-changed');
        return 1;
      }
    }
    pinned[origin] = { pinnedAt: new Date().toISOString(), anchors };
    writePinned(file, pinned);
    writeLine(io.stdout, previous ? `re-pinned in ${file}` : `pinned in ${file} (trust on first use: compare the fingerprints with the operator's published ones)`);
    return 0;
  },
};

export default trustPin;

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { token: { type: 'string' }, 'token-file': GATEWAY_OPTIONS['token-file'], 'accept-changed': { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function fetchAnchors(base: URL, token: string): Promise<TrustAnchors> {
  const body = await gatewayCall(base, token, 'GET', '/v1/ledger/trust');
  const problem = trustAnchorsProblem(body);
  if (problem) throw new Error(`${base.origin} served no usable trust anchors: ${problem}`);
  return body as TrustAnchors;
}
