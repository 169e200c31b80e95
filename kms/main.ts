import { createLogger } from '../common/index.ts';
import { loadKmsConfig, type KmsConfig } from './config.ts';
import { heKeysetsPlugin } from './he/index.ts';
import { startKmsServer } from './server.ts';

/** `node --import tsx kms/main.ts`: the KMS as its own process, configured from the environment. */
function configOrExit(): KmsConfig {
  try {
    return loadKmsConfig();
  } catch (error) {
    process.stderr.write(`sluice kms: ${error instanceof Error ? error.message : 'invalid configuration'}\n`);
    process.exit(2);
  }
}

const config = configOrExit();
const logger = createLogger('kms', config.base.logLevel);

try {
  const server = await startKmsServer({ config, logger, plugins: [heKeysetsPlugin] });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'KMS stopping');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'KMS did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  logger.fatal({ err: error instanceof Error ? { type: error.name, message: error.message } : undefined }, 'KMS failed to start');
  process.exit(1);
}
