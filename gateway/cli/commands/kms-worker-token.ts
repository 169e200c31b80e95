import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deriveWorkerToken } from '../../../kms/index.ts';
import { UsageError, writeLine, type Command } from '../command.ts';

/**
 * `sluice kms worker-token`: the token a standalone compute worker needs
 * (`SLUICE_KMS_WORKER_TOKEN`), derived one way from the KMS service token. The service token is
 * read from `--token-file`, `SLUICE_KMS_TOKEN`, or the file a standalone KMS wrote in the data
 * dir — never from the command line, where other users could read it.
 */
const workerToken: Command = {
  summary: 'derive the compute worker token (SLUICE_KMS_WORKER_TOKEN) from the KMS service token',
  usage: 'sluice kms worker-token [--token-file FILE] [--data-dir DIR]',
  async run(args, io) {
    let values: { 'token-file'?: string; 'data-dir'?: string };
    try {
      ({ values } = parseArgs({ args, options: { 'token-file': { type: 'string' }, 'data-dir': { type: 'string' } }, strict: true }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const dataDir = path.resolve(io.cwd, values['data-dir'] ?? io.env.SLUICE_DATA_DIR ?? './.sluice');
    const file = values['token-file'] === undefined ? undefined : path.resolve(io.cwd, values['token-file']);
    const fromEnv = io.env.SLUICE_KMS_TOKEN;
    const fallback = path.join(dataDir, 'kms', 'token');
    let token: string;
    if (file) token = readToken(file);
    else if (fromEnv) token = fromEnv;
    else if (fs.existsSync(fallback)) token = readToken(fallback);
    else throw new UsageError('give the KMS service token in SLUICE_KMS_TOKEN or a file with --token-file');
    if (token.length === 0) throw new UsageError('the KMS service token is empty');
    writeLine(io.stdout, deriveWorkerToken(token));
    return 0;
  },
};

function readToken(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    throw new UsageError('the token file cannot be read');
  }
}

export default workerToken;
