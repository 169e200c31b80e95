import { createLogger, loadConfig } from '../common/index.ts';
import { startGateway } from './server.ts';
import { revealOnce } from './supervisor/secret-channel.ts';

const config = loadConfig();
const logger = createLogger('gateway', config.logLevel);
const gateway = await startGateway(config, logger);
if (gateway.generatedAdminToken) {
  // Shown once, outside the structured log, so it can be copied and is never logged.
  revealOnce(`Sluice admin token (shown once, store it now): ${gateway.generatedAdminToken}`);
}
logger.info({ url: gateway.url }, 'gateway ready');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
