import type { Config, Logger } from '../common/index.ts';
import { readCoSigners } from './cosigners.ts';
import { openEmbeddedLedger } from './embedded.ts';
import type { KeySealer } from './sealed-operator-key.ts';
import type { Ledger } from './types.ts';

/**
 * The ledger `SLUICE_LEDGER` selects. Fabric's client stack is loaded only when chosen, so the
 * embedded default starts without it. With `SLUICE_DATABASE_URL` the embedded ledger lives in
 * that database, shared by every gateway on it; `sealer` then keeps its operator key.
 */
export async function openLedger(
  config: Pick<Config, 'dataDir' | 'ledger'> & Partial<Pick<Config, 'databaseUrl' | 'ledgerLeaseMs'>>,
  logger?: Logger,
  env: Record<string, string | undefined> = process.env,
  sealer?: KeySealer,
): Promise<Ledger> {
  if (config.ledger === 'fabric') {
    const { openFabricLedger } = await import('./fabric/index.ts');
    return openFabricLedger(env, logger ? { logger } : {});
  }
  const cosigners = env.SLUICE_LEDGER_COSIGNERS;
  return openEmbeddedLedger({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl, leaseMs: config.ledgerLeaseMs } : {}),
    ...(sealer ? { sealer } : {}),
    ...(logger ? { logger } : {}),
    ...(cosigners ? { organizations: readCoSigners(cosigners) } : {}),
  });
}
