import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sm2GenerateKeyPair } from '../../../crypto/index.ts';
import { UsageError, writeLine, type Command } from '../command.ts';

/** `sluice keygen --out FILE`: a participant's SM2 key pair; the private half never leaves the file. */
const keygen: Command = {
  summary: 'create an SM2 key pair file; prints the public key',
  usage: 'sluice keygen --out FILE',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true });
    if (!values.out) throw new UsageError('--out FILE is required');
    const file = path.resolve(io.cwd, values.out);
    const pair = sm2GenerateKeyPair();
    // 'wx' refuses to overwrite: an existing key file may be the only copy of a private key.
    fs.writeFileSync(file, JSON.stringify({ alg: 'sm2', privateKey: pair.privateKey, publicKey: pair.publicKey }) + '\n', {
      mode: 0o600,
      flag: 'wx',
    });
    writeLine(io.stdout, JSON.stringify({ alg: 'sm2', publicKey: pair.publicKey }));
    return 0;
  },
};

export default keygen;
