import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';
import { GatewayClient, gatewayTarget } from '../gateway-client.ts';

interface RevealAnswer {
  values: (string | null)[];
  restored: number;
  unrestored: number;
  entities?: Record<string, number>;
  ledger: { recordId: string };
}

const TRANSFORMS = ['redact', 'tokenize', 'encrypt'];
/** Per request: the gateway takes at most 1,000 values and a body of 1 MiB by default. */
const BATCH_VALUES = 1000;
const BATCH_BYTES = 512 * 1024;

/**
 * `sluice reveal CONTRACT_ID`: the contract's owner restores what the contract released — the
 * redaction tokens inside text (by default: an AI egress contract's prompts and answers, or a
 * `redact` field with `--field`), or a `tokenize` / `encrypt` field's values (`--field F
 * --transform T`). Input is one value per line (a file or stdin); the output keeps the lines,
 * each restored as far as it goes — a line that restores to nothing is left as it was — and is
 * written to a file only its owner can read. Counts and the ledger records go to stderr.
 */
const reveal: Command = {
  summary: 'restore, as the contract owner, the tokens and encrypted values a contract released',
  usage: 'sluice reveal CONTRACT_ID [--in FILE] [--out FILE] [--field F] [--transform redact|tokenize|encrypt] [--json] [--gateway URL --token T]',
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new UsageError('give exactly one CONTRACT_ID');
    if (values.transform !== undefined && !TRANSFORMS.includes(values.transform)) throw new UsageError(`--transform is one of ${TRANSFORMS.join(', ')}`);
    const { url, token } = gatewayTarget(values, io.env);
    const client = new GatewayClient(url, token);
    const lines = (await readInput(io, values.in)).split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    const answer = await revealLines(client, positionals[0]!, lines, { field: values.field, transform: values.transform });
    const text = values.json ? JSON.stringify(answer, null, 2) + '\n' : lines.map((line, i) => answer.values[i] ?? line).join('\n') + (lines.length > 0 ? '\n' : '');
    if (values.out === undefined) io.stdout.write(text);
    else writePrivately(path.resolve(io.cwd, values.out), text);
    writeLine(io.stderr, JSON.stringify({ values: lines.length, restored: answer.restored, unrestored: answer.unrestored, ledger: answer.ledger }));
    return 0;
  },
};

export default reveal;

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        gateway: { type: 'string' },
        token: { type: 'string' },
        in: { type: 'string' },
        out: { type: 'string' },
        field: { type: 'string' },
        transform: { type: 'string' },
        json: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function readInput(io: CliIO, file: string | undefined): Promise<string> {
  if (file !== undefined) {
    try {
      return fs.readFileSync(path.resolve(io.cwd, file), 'utf8');
    } catch {
      throw new UsageError('cannot read the --in file');
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Every non-empty line, in requests of at most BATCH_VALUES values and about BATCH_BYTES; the answers joined in line order. */
async function revealLines(
  client: GatewayClient,
  contractId: string,
  lines: readonly string[],
  options: { field?: string | undefined; transform?: string | undefined },
): Promise<{ values: (string | null)[]; restored: number; unrestored: number; entities: Record<string, number>; ledger: string[] }> {
  const out = { values: lines.map((): string | null => null), restored: 0, unrestored: 0, entities: {} as Record<string, number>, ledger: [] as string[] };
  const route = `/v1/contracts/${encodeURIComponent(contractId)}/reveal`;
  let batch: number[] = [];
  let bytes = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const body = { values: batch.map((i) => lines[i]!), ...(options.field !== undefined ? { field: options.field } : {}), ...(options.transform !== undefined ? { transform: options.transform } : {}) };
    const { body: answer } = await client.post<RevealAnswer>(route, body);
    batch.forEach((line, k) => (out.values[line] = answer.values[k] ?? null));
    out.restored += answer.restored;
    out.unrestored += answer.unrestored;
    for (const [kind, n] of Object.entries(answer.entities ?? {})) out.entities[kind] = (out.entities[kind] ?? 0) + n;
    out.ledger.push(answer.ledger.recordId);
    batch = [];
    bytes = 0;
  };
  for (const [i, line] of lines.entries()) {
    if (line.length === 0) continue;
    const size = Buffer.byteLength(JSON.stringify(line)) + 1;
    if (batch.length === BATCH_VALUES || (batch.length > 0 && bytes + size > BATCH_BYTES)) await send();
    batch.push(i);
    bytes += size;
  }
  await send();
  return out;
}

/** Restored values are personal data: written whole or not at all, readable by the owner only. */
function writePrivately(file: string, text: string): void {
  const partial = `${file}.partial`;
  try {
    // A new file, so the mode applies (an old one left by a crash keeps its own).
    fs.rmSync(partial, { force: true });
    fs.writeFileSync(partial, text, { mode: 0o600, flag: 'wx' });
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
}
