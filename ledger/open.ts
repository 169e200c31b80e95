import type { Config, Logger } from '../common/index.ts';
import { readCoSigners } from './cosigners.ts';
import { openEmbeddedLedger } from './embedded.ts';
import type { Ledger } from './types.ts';

/**
 * The ledger `SLUICE_LEDGER` selects. Fabric's client stack is loaded only when chosen, so the
 * embedded default starts without it.
 */
export async function openLedger(
  config: Pick<Config, 'dataDir' | 'ledger'>,
  logger?: Logger,
  env: Record<string, string | undefined> = process.env,
): Promise<Ledger> {
  if (config.ledger === 'fabric') {
    const { openFabricLedger } = await import('./fabric/index.ts');
    return openFabricLedger(env, logger ? { logger } : {});
  }
  const cosigners = env.SLUICE_LEDGER_COSIGNERS;
  return openEmbeddedLedger({
    dataDir: config.dataDir,
    ...(logger ? { logger } : {}),
    ...(cosigners ? { organizations: readCoSigners(cosigners) } : {}),
  });
}
