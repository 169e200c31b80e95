import { UsageError, writeLine, type Command } from '../command.ts';
import { gatewayCall, parseGatewayCommand } from '../gateway-access.ts';

/** `sluice token revoke ID`: the token stops authenticating at once. */
const tokenRevoke: Command = {
  summary: 'revoke a token — admin',
  usage: 'sluice token revoke TOKEN_ID [--gateway URL] [--token-file FILE]   (or SLUICE_URL, SLUICE_TOKEN)',
  async run(args, io) {
    const { base, token, positionals } = parseGatewayCommand(io, args, {});
    if (positionals.length !== 1) throw new UsageError('give exactly one TOKEN_ID');
    writeLine(io.stdout, JSON.stringify(await gatewayCall(base, token, 'POST', `/v1/tokens/${encodeURIComponent(positionals[0]!)}/revoke`)));
    return 0;
  },
};

export default tokenRevoke;
