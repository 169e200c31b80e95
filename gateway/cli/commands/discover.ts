import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DISCOVERY_ROWS, discoverStream } from '../../discovery/index.ts';
import { openRecords } from '../../formats/index.ts';
import { UsageError, writeLine, type Command } from '../command.ts';

/** `sluice discover FILE`: the discovery report (SURFACE → Discovery report) as JSON on stdout. */
const discover: Command = {
  summary: 'detect personal and sensitive data per column of a CSV/NDJSON file',
  usage: `sluice discover FILE [--rows N]   (FILE "-" reads stdin; examines the first N rows, default ${DEFAULT_DISCOVERY_ROWS})`,
  async run(args, io) {
    const { file, rows } = parse(args);
    const source = file === '-' ? io.stdin : fs.createReadStream(path.resolve(io.cwd, file));
    const { batches } = await openRecords(source, file === '-' ? {} : { name: file });
    const report = await discoverStream(batches, rows);
    writeLine(io.stdout, JSON.stringify(report, null, 2));
    return 0;
  },
};

export default discover;

function parse(args: string[]): { file: string; rows: number } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { rows: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== 1) throw new UsageError('give exactly one FILE');
  const rows = parsed.values.rows === undefined ? DEFAULT_DISCOVERY_ROWS : Number(parsed.values.rows);
  if (!Number.isInteger(rows) || rows < 1) throw new UsageError('--rows must be a positive integer');
  return { file: parsed.positionals[0]!, rows };
}
