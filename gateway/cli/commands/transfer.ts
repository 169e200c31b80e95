import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ERROR_STATUS, SluiceError, type ErrorCode } from '../../../common/errors.ts';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';
import { GatewayClient, gatewayTarget } from '../gateway-client.ts';
import { bytes, progressBar } from '../progress.ts';
import { sseData } from '../../http/sse.ts';

interface TransferState {
  id: string;
  status: 'running' | 'completed' | 'failed';
  progress?: number;
  records?: number;
  subjects?: number;
  receipt?: unknown;
  error?: { code: string; message: string };
}

const POLL_MS = 500;

/**
 * `sluice transfer CONTRACT_ID --purpose P [--out FILE]`: the recipient asks for a transfer,
 * follows it while the gateway prepares it (202, SURFACE wave 2; a failure exits 1 with the
 * code it failed with), and downloads the package (`sluice.package.v2`, binary) —
 * into FILE (written whole or not at all), or to stdout. The transfer's summary goes to stdout
 * with --out, to stderr otherwise. Progress bars only when stdout is a terminal.
 */
const transfer: Command = {
  summary: 'transfer under a contract and download the encrypted package',
  usage: 'sluice transfer CONTRACT_ID --purpose P [--out FILE] [--limit N] [--gateway URL --token T]',
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1 || !values.purpose) throw new UsageError('give a CONTRACT_ID and --purpose P');
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) throw new UsageError('--limit must be a positive integer');
    const { url, token } = gatewayTarget(values, io.env);
    const client = new GatewayClient(url, token);
    // One key per invocation: if the request is retried after a lost answer, the gateway does the work once.
    const created = await client.post<TransferState>(
      '/v1/transfers',
      { contractId: positionals[0], purpose: values.purpose, ...(limit !== undefined ? { limit } : {}) },
      { 'idempotency-key': randomUUID() },
    );
    const state = created.status === 202 ? await follow(client, io, created.body.id) : created.body;
    if (state.status !== 'completed') throw failure(state);
    const out = values.out === undefined ? undefined : path.resolve(io.cwd, values.out);
    const size = await download(client, io, state.id, out);
    const summary = JSON.stringify({ id: state.id, status: state.status, records: state.records, subjects: state.subjects, bytes: size, ...(out ? { out } : {}) });
    writeLine(out ? io.stdout : io.stderr, summary);
    return 0;
  },
};

export default transfer;

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { gateway: { type: 'string' }, token: { type: 'string' }, purpose: { type: 'string' }, out: { type: 'string' }, limit: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Follows a background transfer (202) to its end: through its event stream, or by polling
 * `GET /v1/transfers/:id` where the stream cannot be opened or breaks off before the end.
 */
async function follow(client: GatewayClient, io: CliIO, id: string): Promise<TransferState> {
  const bar = progressBar(io, `transfer ${id}`);
  const show = (state: TransferState) => {
    const records = state.records ?? 0;
    bar.update(state.progress ?? 0, `${Math.floor((state.progress ?? 0) * records)}/${records} records`);
  };
  try {
    const streamed = await watch(client, id, show);
    if (streamed && streamed.status !== 'running') return streamed;
    for (;;) {
      const state = await client.get<TransferState>(`/v1/transfers/${id}`);
      show(state);
      if (state.status !== 'running') return state;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    bar.done();
  }
}

/** The last state the transfer's event stream told, or nothing if it could not be opened or read (polling says why). */
async function watch(client: GatewayClient, id: string, show: (state: TransferState) => void): Promise<TransferState | undefined> {
  let last: TransferState | undefined;
  try {
    const response = await client.send('GET', `/v1/transfers/${id}/events`, { headers: { accept: 'text/event-stream' } });
    if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return undefined;
    }
    for await (const data of sseData(response.body)) {
      last = JSON.parse(data) as TransferState;
      show(last);
      if (last.status !== 'running') break;
    }
  } catch {
    // Polling carries on from here, and reports a refusal if there is one.
  }
  return last;
}

/** A failed background transfer as the refusal it ended with (its SURFACE code and message, which carry no values). */
function failure(state: TransferState): SluiceError {
  const code = state.error?.code;
  const known = code !== undefined && code in ERROR_STATUS;
  return new SluiceError(known ? (code as ErrorCode) : 'INTERNAL', `transfer ${state.id} failed: ${state.error?.message ?? 'no reason given'}`);
}

async function download(client: GatewayClient, io: CliIO, id: string, out: string | undefined): Promise<number> {
  const response = await client.send('GET', `/v1/transfers/${id}/package`);
  const total = Number(response.headers.get('content-length')) || undefined;
  const bar = progressBar(io, 'package');
  const partial = out && `${out}.partial`;
  const file = partial ? fs.openSync(partial, 'w', 0o600) : undefined;
  let received = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (file !== undefined) fs.writeSync(file, chunk);
      else if (!io.stdout.write(chunk)) await new Promise((resolve) => io.stdout.once('drain', resolve));
      received += chunk.length;
      bar.update(total ? received / total : undefined, bytes(received));
    }
  } catch (error) {
    if (file !== undefined) {
      fs.closeSync(file);
      fs.rmSync(partial!, { force: true });
    }
    throw error;
  } finally {
    bar.done();
  }
  if (file !== undefined) {
    fs.closeSync(file);
    fs.renameSync(partial!, out!);
  }
  return received;
}
