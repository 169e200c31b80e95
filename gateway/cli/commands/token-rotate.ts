import { UsageError, writeLine, type Command } from '../command.ts';
import { gatewayCall, parseGatewayCommand } from '../gateway-access.ts';

/** `sluice token rotate ID`: a fresh token for the same holder; the old one stops (after --grace seconds). */
const tokenRotate: Command = {
  summary: 'replace a token with a fresh one for the same holder — admin',
  usage: 'sluice token rotate TOKEN_ID [--expires ISO_TIME] [--grace SECONDS] [--gateway URL] [--token-file FILE]   (or SLUICE_URL, SLUICE_TOKEN)',
  async run(args, io) {
    const { base, token, values, positionals } = parseGatewayCommand(io, args, { expires: { type: 'string' }, grace: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('give exactly one TOKEN_ID');
    const grace = values.grace === undefined ? undefined : Number(values.grace);
    if (grace !== undefined && !(Number.isInteger(grace) && grace >= 0)) throw new UsageError('--grace must be a whole number of seconds');
    const body = { ...(values.expires ? { expiresAt: values.expires } : {}), ...(grace !== undefined ? { graceSeconds: grace } : {}) };
    const rotated = await gatewayCall(base, token, 'POST', `/v1/tokens/${encodeURIComponent(positionals[0]!)}/rotate`, body);
    writeLine(io.stdout, JSON.stringify(rotated));
    return 0;
  },
};

export default tokenRotate;
