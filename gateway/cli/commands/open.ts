import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openPackage } from '../../package/envelope.ts';
import { UsageError, type Command } from '../command.ts';
import { readKeyFile } from '../key-file.ts';

/** `sluice open PACKAGE_FILE --key FILE`: decrypts a transfer package to NDJSON on stdout. */
const open: Command = {
  summary: 'decrypt a transfer package with the recipient key; NDJSON to stdout',
  usage: 'sluice open PACKAGE_FILE --key FILE',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { key: { type: 'string' } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1 || !values.key) throw new UsageError('a package file and --key FILE are required');
    const privateKey = readKeyFile(path.resolve(io.cwd, values.key));
    const { records } = openPackage(fs.readFileSync(path.resolve(io.cwd, positionals[0] as string)), privateKey);
    io.stdout.write(records);
    return 0;
  },
};

export default open;
