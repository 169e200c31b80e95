import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { computeGatewayClient, psiFinish, psiRequest, X25519Pool } from '../../../compute/index.ts';
import { openRecords } from '../../formats/index.ts';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';
import { tokenOutOfArgv } from '../gateway-access.ts';

/**
 * `sluice psi`: the partner side of a private set intersection with a data owner's column.
 * The partner's elements never leave this machine in the clear: they are hashed to X25519
 * points and blinded with a secret scalar that lives only in this process.
 */
const psi: Command = {
  summary: 'private set intersection with a compute job (partner side)',
  usage: 'sluice psi --server URL --job ID --in FILE [--column NAME] [--threads N] [--token-file FILE]   (token from SLUICE_TOKEN or --token-file, never argv)',
  async run(args, io) {
    const options = parse(args, io);
    const elements = await readElements(path.resolve(io.cwd, options.in), options.column);
    const gateway = computeGatewayClient(options.server, options.token);
    const session = await gateway.psiSession(options.job);
    const pool = new X25519Pool(options.threads);
    try {
      const { request, state } = await psiRequest(session, elements, pool);
      const response = await gateway.psiExchange(options.job, request);
      const outcome = await psiFinish(state, response, pool);
      writeLine(io.stdout, JSON.stringify({ jobId: options.job, mode: session.mode, elements: state.elements.length, ...outcome }));
      return 0;
    } finally {
      await pool.close();
    }
  },
};

export default psi;

function parse(args: string[], io: CliIO) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { server: { type: 'string' }, token: { type: 'string' }, 'token-file': { type: 'string' }, job: { type: 'string' }, in: { type: 'string' }, column: { type: 'string' }, threads: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { server, job, in: input, column, threads } = parsed;
  const token = tokenOutOfArgv(io, parsed);
  if (!server || !job || !input) throw new UsageError('--server, --job and --in are required');
  const count = threads === undefined ? undefined : Number(threads);
  if (count !== undefined && !(Number.isInteger(count) && count > 0 && count <= 64)) throw new UsageError('--threads must be a positive integer');
  return { server, token, job, in: input, column, threads: count };
}

/** One element per line, or with `--column` the values of that column of a CSV/NDJSON/JSON file. */
async function readElements(file: string, column: string | undefined): Promise<string[]> {
  if (column === undefined) {
    return fs
      .readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .filter((line) => line.length > 0);
  }
  const { batches } = await openRecords(fs.createReadStream(file), { name: file });
  const out: string[] = [];
  for await (const batch of batches) {
    for (const record of batch) {
      const value = record[column];
      if (value !== null && value !== undefined && value !== '') out.push(String(value));
    }
  }
  return out;
}
