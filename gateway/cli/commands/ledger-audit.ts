import path from 'node:path';
import { parseArgs } from 'node:util';
import { auditLedger, readTrustAnchorsFile } from '../../../ledger/index.ts';
import { UsageError, writeLine, type Command } from '../command.ts';

/**
 * `sluice ledger audit [--data-dir DIR | --database-url URL] [--trust TRUST_FILE]`: re-derives
 * the embedded ledger from its rows and names every place where it does not add up. The ledger
 * of gateways on PostgreSQL is in their database (`--database-url`, or `SLUICE_DATABASE_URL`
 * unless `--data-dir` is given); otherwise it is in the data dir.
 */
const ledgerAudit: Command = {
  summary: 'audit the embedded ledger: hash links, signatures, leaf hashes, Merkle roots',
  usage: 'sluice ledger audit [--data-dir DIR | --database-url URL] [--trust TRUST_FILE]',
  async run(args, io) {
    const { values, positionals } = parse(args);
    if (positionals.length > 0) throw new UsageError('unexpected arguments');
    if (values['data-dir'] !== undefined && values['database-url'] !== undefined) throw new UsageError('give --data-dir or --database-url, not both');
    const dataDir = path.resolve(io.cwd, values['data-dir'] ?? io.env.SLUICE_DATA_DIR ?? './.sluice');
    const databaseUrl = values['database-url'] ?? (values['data-dir'] === undefined ? io.env.SLUICE_DATABASE_URL || undefined : undefined);
    const trust = values.trust === undefined ? undefined : readTrustAnchorsFile(path.resolve(io.cwd, values.trust));
    const report = await auditLedger(dataDir, { ...(trust ? { trust } : {}), ...(databaseUrl ? { databaseUrl } : {}) });
    const scope = `${report.blocks} blocks, ${report.records} records`;
    if (report.clean) {
      writeLine(io.stdout, `clean: ${scope}; every hash link, signature, leaf hash and Merkle root checks out`);
      return 0;
    }
    for (const finding of report.findings) writeLine(io.stdout, `${finding.where}: ${finding.problem}`);
    writeLine(io.stdout, `inconsistent: ${report.findings.length} findings in ${scope}`);
    return 1;
  },
};

export default ledgerAudit;

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, trust: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

