import { UsageError, writeLine, type Command } from '../command.ts';
import { gatewayCall, parseGatewayCommand } from '../gateway-access.ts';

/** `sluice token list`: the gateway's tokens (ids and states, never values); admin token. */
const tokenList: Command = {
  summary: 'list bearer tokens (ids, holders, expiry, state) — admin',
  usage: 'sluice token list [--party ID] [--all] [--gateway URL] [--token-file FILE]   (or SLUICE_URL, SLUICE_TOKEN)',
  async run(args, io) {
    const { base, token, values, positionals } = parseGatewayCommand(io, args, { party: { type: 'string' }, all: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError('unexpected arguments');
    const query = new URLSearchParams();
    if (values.party) query.set('partyId', values.party);
    if (values.all) query.set('all', 'true');
    const body = (await gatewayCall(base, token, 'GET', `/v1/tokens?${query}`)) as { tokens: unknown[] };
    for (const entry of body.tokens) writeLine(io.stdout, JSON.stringify(entry));
    return 0;
  },
};

export default tokenList;
