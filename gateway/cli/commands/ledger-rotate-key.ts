import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { anchorFingerprint, rotateEmbeddedOperatorKey } from '../../../ledger/index.ts';
import { UsageError, writeLine, type Command } from '../command.ts';

/**
 * `sluice ledger rotate-key [--data-dir DIR]`: a new operator tree-head key for the embedded
 * ledger, with the gateway stopped. The retired key's private half is deleted; its public half
 * stays in the trust anchors with the blocks it signed, so older receipts still verify and no
 * later head can carry it. Regulators re-pin (`sluice trust pin URL --accept-changed`).
 */
const ledgerRotateKey: Command = {
  summary: 'rotate the embedded ledger\'s operator signing key (gateway stopped)',
  usage: 'sluice ledger rotate-key [--data-dir DIR]',
  async run(args, io) {
    let values: { 'data-dir'?: string | undefined };
    try {
      const parsed = parseArgs({ args, options: { 'data-dir': { type: 'string' } }, allowPositionals: false, strict: true });
      values = parsed.values;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    // With a database URL the gateways sign with the key sealed in PostgreSQL, not the data dir's.
    if (io.env.SLUICE_DATABASE_URL) throw new UsageError('the ledger lives in PostgreSQL (SLUICE_DATABASE_URL): its sealed operator key is not rotated by this command');
    const dataDir = path.resolve(io.cwd, values['data-dir'] ?? io.env.SLUICE_DATA_DIR ?? './.sluice');
    if (gatewayRunning(dataDir)) throw new UsageError('stop the gateway first: it signs with the key it loaded at start');
    const rotated = await rotateEmbeddedOperatorKey(dataDir);
    writeLine(io.stdout, `retired ${anchorFingerprint(rotated.previous)} (signed the blocks before ${rotated.fromBlock})`);
    writeLine(io.stdout, `new operator key ${anchorFingerprint(rotated.current)} signs from block ${rotated.fromBlock}`);
    return 0;
  },
};

export default ledgerRotateKey;

/** Whether the supervisor's pid file names a live gateway process. */
function gatewayRunning(dataDir: string): boolean {
  const pidFile = path.join(dataDir, 'run', 'gateway.pid');
  if (!fs.existsSync(pidFile)) return false;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
