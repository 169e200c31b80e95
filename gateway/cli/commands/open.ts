import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readFileChunks } from '../../formats/index.ts';
import { PackageReader } from '../../package/stream.ts';
import { UsageError, type Command } from '../command.ts';
import { readKeyFile } from '../key-file.ts';

/**
 * `sluice open PACKAGE_FILE --key FILE`: decrypts a transfer package to NDJSON on stdout, one
 * segment at a time (memory does not grow with the package). Each segment written is authentic;
 * a package cut short or altered ends with exit 1 after the segments before the damage.
 */
const open: Command = {
  summary: 'decrypt a transfer package with the recipient key; NDJSON to stdout',
  usage: 'sluice open PACKAGE_FILE --key FILE',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { key: { type: 'string' } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1 || !values.key) throw new UsageError('a package file and --key FILE are required');
    const reader = new PackageReader(readKeyFile(path.resolve(io.cwd, values.key)));
    const write = async (parts: Uint8Array[]) => {
      for (const part of parts) if (part.length > 0 && !io.stdout.write(part)) await once(io.stdout, 'drain');
    };
    for (const chunk of readFileChunks(path.resolve(io.cwd, positionals[0] as string), 1 << 20)) await write(reader.push(chunk));
    await write(reader.finish());
    return 0;
  },
};

export default open;
