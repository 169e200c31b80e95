import { parseArgs } from 'node:util';
import { UsageError, writeLine, type Command } from '../command.ts';
import { caller, languageFor, renderContract, type ContractBody } from '../contract-views.ts';
import { GatewayClient, gatewayTarget } from '../gateway-client.ts';

/** `sluice contract show ID`: a contract in plain words, for its owner, its recipient or a regulator. */
const show: Command = {
  summary: 'show a contract in plain words (owners also see the legal mechanism and re-identification risk)',
  usage: 'sluice contract show CONTRACT_ID [--gateway URL --token T] [--lang zh|en] [--json]',
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new UsageError('give exactly one CONTRACT_ID');
    const { url, token } = gatewayTarget(values, io.env);
    const client = new GatewayClient(url, token);
    const contract = await client.get<ContractBody>(`/v1/contracts/${encodeURIComponent(positionals[0]!)}`);
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(contract, null, 2));
      return 0;
    }
    const me = await caller(client);
    writeLine(io.stdout, await renderContract(client, contract, me, languageFor(values.lang, me)));
    return 0;
  },
};

export default show;

function parse(args: string[]) {
  try {
    const parsed = parseArgs({
      args,
      options: { gateway: { type: 'string' }, token: { type: 'string' }, lang: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.lang !== undefined && !['zh', 'en'].includes(parsed.values.lang)) throw new Error('--lang is zh or en');
    return parsed;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
