import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fail } from '../../../common/index.ts';
import { computeGatewayClient, encryptColumn } from '../../../compute/index.ts';
import { openRecords } from '../../formats/index.ts';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';
import { tokenOutOfArgv } from '../gateway-access.ts';

/**
 * `sluice compute contribute`: encrypts one column of the partner's own file under the job's
 * public key, on this machine, and uploads only the ciphertexts. Nobody but the KMS (which
 * decrypts the job's aggregate, once the owners release it) can read them.
 */
const contribute: Command = {
  summary: 'encrypt a column locally and contribute it to a compute job',
  usage: 'sluice compute contribute --server URL --job ID --column NAME --in FILE [--token-file FILE]   (token from SLUICE_TOKEN or --token-file, never argv)',
  async run(args, io) {
    const options = parse(args, io);
    const file = path.resolve(io.cwd, options.in);
    const { values, skipped } = await readColumn(file, options.column);
    const gateway = computeGatewayClient(options.server, options.token);
    const key = await gateway.jobKey(options.job);
    const column = await encryptColumn(Buffer.from(key.publicKey, 'base64'), values, key.spec);
    const receipt = await gateway.contribute(options.job, column);
    writeLine(io.stdout, JSON.stringify({ jobId: options.job, input: receipt.input, n: receipt.n, skipped, bytes: column.length }));
    return 0;
  },
};

export default contribute;

function parse(args: string[], io: CliIO) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { server: { type: 'string' }, token: { type: 'string' }, 'token-file': { type: 'string' }, job: { type: 'string' }, column: { type: 'string' }, in: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { server, job, column, in: input } = parsed;
  const token = tokenOutOfArgv(io, parsed);
  if (!server || !job || !column || !input) throw new UsageError('--server, --job, --column and --in are required');
  return { server, token, job, column, in: input };
}

/** The column's numbers; empty cells are not rows of the aggregate and are only counted. */
async function readColumn(file: string, column: string): Promise<{ values: number[]; skipped: number }> {
  const { batches } = await openRecords(fs.createReadStream(file), { name: file });
  const values: number[] = [];
  let skipped = 0;
  let row = 0;
  for await (const batch of batches) {
    for (const record of batch) {
      const raw = record[column];
      row++;
      if (raw === null || raw === undefined || raw === '') {
        skipped++;
        continue;
      }
      const value = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isFinite(value)) throw fail.validation('a value of the column is not a number', { row });
      values.push(value);
    }
  }
  return { values, skipped };
}
