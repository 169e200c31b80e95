import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fail, SluiceError } from '../../../common/index.ts';
import { computeGatewayClient, encryptColumns, joinInput, joinTags, psiFinish, psiRequest, X25519Pool, type PsiSession } from '../../../compute/index.ts';
import { openRecords } from '../../formats/index.ts';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';
import { tokenOutOfArgv } from '../gateway-access.ts';

/**
 * `sluice psi`: the partner side of a private set intersection with a data owner's column.
 * The partner's elements never leave this machine in the clear: they are hashed to X25519
 * points and blinded with a secret scalar that lives only in this process. With `--sum` (a job
 * in `sum` mode) it is a private join: the values of that column are encrypted here under the
 * job key, and the gateway sums them over the persons both sides hold without learning which.
 */
const psi: Command = {
  summary: 'private set intersection, or intersection sum, with a compute job (partner side)',
  usage: 'sluice psi --server URL --job ID --in FILE [--column NAME] [--sum COLUMN] [--threads N] [--wait SECONDS] [--token-file FILE]   (token from SLUICE_TOKEN or --token-file, never argv)',
  async run(args, io) {
    const options = parse(args, io);
    const gateway = computeGatewayClient(options.server, options.token);
    const session = await gateway.psiSession(options.job);
    if ((session.mode === 'sum') !== (options.sum !== undefined)) {
      throw new UsageError(session.mode === 'sum' ? 'this job sums a value column: give --sum COLUMN' : '--sum applies to jobs in sum mode only');
    }
    const pool = new X25519Pool(options.threads);
    try {
      if (options.sum !== undefined) return await intersectionSum(io, options as Options & { sum: string; column: string }, session, pool);
      const elements = await readElements(path.resolve(io.cwd, options.in), options.column);
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

type Options = ReturnType<typeof parse>;

function parse(args: string[], io: CliIO) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        job: { type: 'string' },
        in: { type: 'string' },
        column: { type: 'string' },
        sum: { type: 'string' },
        threads: { type: 'string' },
        wait: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { server, job, in: input, column, sum, threads, wait } = parsed;
  const token = tokenOutOfArgv(io, parsed);
  if (!server || !job || !input) throw new UsageError('--server, --job and --in are required');
  if (sum !== undefined && column === undefined) throw new UsageError('--sum needs --column: the file’s identifier column');
  const count = threads === undefined ? undefined : Number(threads);
  if (count !== undefined && !(Number.isInteger(count) && count > 0 && count <= 64)) throw new UsageError('--threads must be a positive integer');
  const seconds = wait === undefined ? 600 : Number(wait);
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new UsageError('--wait must be a positive number of seconds');
  return { server, token, job, in: input, column, sum, threads: count, waitMs: seconds * 1000 };
}

/**
 * The private join, partner side: blinded ids out, the owners' blinded set back and returned
 * under this side's scalar, then the values — in the same random order as the ids — encrypted
 * here and uploaded. The gateway never sees an id or a value; this side never sees which of
 * its ids matched. Prints the released sum and count once the owners' release arrives.
 */
async function intersectionSum(io: CliIO, options: Options & { sum: string; column: string }, session: PsiSession, pool: X25519Pool): Promise<number> {
  const gateway = computeGatewayClient(options.server, options.token);
  const key = await gateway.jobKey(options.job);
  const { rows, skipped } = await readPairs(path.resolve(io.cwd, options.in), options.column, options.sum, key.scheme === 'bfv' ? (key.spec.decimals ?? 0) : undefined);
  const { ids, values } = joinInput(rows);
  const { request, state } = await psiRequest(session, ids, pool);
  const response = await gateway.psiExchange(options.job, request);
  await gateway.psiTags(options.job, await joinTags(state, response, pool));
  const [column] = await encryptColumns(Buffer.from(key.publicKey, 'base64'), [values], key.spec, options.threads);
  await gateway.contribute(options.job, column!);
  const result = await released(gateway, options.job, options.waitMs);
  writeLine(io.stdout, JSON.stringify({ jobId: options.job, mode: 'sum', elements: ids.length, skipped, cardinality: result.n, sum: result.value }));
  return 0;
}

/** Polls the job until its result is released (or refused: the gateway's code is the error). */
async function released(gateway: ReturnType<typeof computeGatewayClient>, jobId: string, waitMs: number) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { status } = await gateway.status(jobId);
    if (status === 'released' || status === 'failed') return gateway.result(jobId);
    if (Date.now() > deadline) throw new SluiceError('RESULT_NOT_RELEASED', 'the result was not released in time; read it later with GET /v1/compute/jobs/:id/result');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** One element per line, or with `--column` the values of that column of a CSV/NDJSON/JSON file. */
async function readElements(file: string, column: string | undefined): Promise<string[]> {
  if (column === undefined) {
    return fs
      .readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .filter((line) => line.length > 0);
  }
  const out: string[] = [];
  for await (const record of records(file)) {
    const value = record[column];
    if (present(value)) out.push(String(value));
  }
  return out;
}

/**
 * (id, value) rows of a CSV/NDJSON/JSON file; rows missing either are skipped and counted.
 * Under BFV (`decimals` given) a value with more decimal places than the job computes on is
 * refused rather than rounded away.
 */
async function readPairs(file: string, idColumn: string, valueColumn: string, decimals: number | undefined) {
  const rows: [string, number][] = [];
  let skipped = 0;
  let row = 0;
  for await (const record of records(file)) {
    row++;
    const id = record[idColumn];
    const raw = record[valueColumn];
    if (!present(id) || !present(raw)) {
      skipped++;
      continue;
    }
    const value = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isFinite(value)) throw fail.validation('a value of the column is not a number', { row });
    if (decimals === 0 && !Number.isInteger(value)) throw fail.validation('the job sums integers: a value has a fraction (the job needs decimals, or scheme ckks)', { row });
    rows.push([String(id), value]);
  }
  return { rows, skipped };
}

async function* records(file: string): AsyncGenerator<Record<string, unknown>> {
  const { batches } = await openRecords(fs.createReadStream(file), { name: file });
  for await (const batch of batches) yield* batch;
}

function present(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '';
}
