// The compute worker process, started by the supervisor (`npm start`) or alone. It holds no secret
// key and no service token: only SLUICE_KMS_WORKER_TOKEN, derived from the KMS token by the
// supervisor or by `sluice kms worker-token`. With SLUICE_DATABASE_URL its job artifacts are in
// the gateways' database (it needs only SELECT and INSERT on compute_artifacts).
import { createLogger, loadConfig, tlsClientSettings } from '../../common/index.ts';
import { startComputeWorker } from './worker.ts';

const env = process.env;
const config = loadConfig(env);
const logger = createLogger('compute-worker', config.logLevel);

if (env.SLUICE_KMS_TOKEN) {
  logger.fatal('the compute worker must not receive SLUICE_KMS_TOKEN; give it SLUICE_KMS_WORKER_TOKEN');
  process.exit(2);
}
if (env.SLUICE_ADMIN_TOKEN) logger.warn('the compute worker does not need SLUICE_ADMIN_TOKEN; start it without');
const workerToken = env.SLUICE_KMS_WORKER_TOKEN;
if (!workerToken) {
  logger.fatal('SLUICE_KMS_WORKER_TOKEN is required');
  process.exit(2);
}

const positive = (name: string): number | undefined => {
  const value = Number(env[name]);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
};
const timeoutMs = positive('SLUICE_COMPUTE_TIMEOUT_MS');
const maxOldSpaceMb = positive('SLUICE_COMPUTE_MAX_OLD_SPACE_MB');
const leaseMs = positive('SLUICE_COMPUTE_LEASE_MS');

const worker = await startComputeWorker({
  dataDir: config.dataDir,
  databaseUrl: config.databaseUrl,
  redisUrl: config.redisUrl,
  kmsUrl: config.kmsUrl,
  workerToken,
  kmsAccess: { timeoutMs: config.kmsTimeoutMs, tls: tlsClientSettings(config) },
  concurrency: positive('SLUICE_COMPUTE_CONCURRENCY') ?? 1,
  ...(leaseMs ? { leaseMs } : {}),
  limits: { ...(timeoutMs ? { timeoutMs } : {}), ...(maxOldSpaceMb ? { maxOldSpaceMb } : {}) },
  logger,
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'compute worker stopping');
    void worker.close().then(() => process.exit(0));
  });
}
