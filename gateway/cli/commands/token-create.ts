import { UsageError, writeLine, type Command } from '../command.ts';
import { gatewayCall, parseGatewayCommand } from '../gateway-access.ts';

/** `sluice token create`: a new admin token, or another token of a party; prints it once. */
const tokenCreate: Command = {
  summary: 'create an admin token, or a token of a party (--party) — admin',
  usage: 'sluice token create [--party ID] [--expires ISO_TIME] [--gateway URL] [--token-file FILE]   (or SLUICE_URL, SLUICE_TOKEN)',
  async run(args, io) {
    const { base, token, values, positionals } = parseGatewayCommand(io, args, { party: { type: 'string' }, expires: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError('unexpected arguments');
    const created = await gatewayCall(base, token, 'POST', '/v1/tokens', { ...(values.party ? { partyId: values.party } : {}), ...(values.expires ? { expiresAt: values.expires } : {}) });
    writeLine(io.stdout, JSON.stringify(created));
    return 0;
  },
};

export default tokenCreate;
