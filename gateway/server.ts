import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLogger, migrate, openDatabase, openProcessLocks, openWindowCounter, tlsClientSettings, type Config, type Logger } from '../common/index.ts';
import { computeStore, computeStoreMigrations, createComputeQueue, EncryptionPool, X25519Pool } from '../compute/index.ts';
import { HeKeysetClient, KmsClient, kmsSealer } from '../kms/index.ts';
import { openLedger } from '../ledger/index.ts';
import { KmsAuditFollower } from './anchoring/audit-events.ts';
import { OutboxRelay } from './anchoring/outbox.ts';
import { buildGatewayApp } from './app.ts';
import { bootstrapAdmin } from './auth/bootstrap.ts';
import type { GatewayContext } from './context.ts';
import { Periodic } from './anchoring/periodic.ts';
import { discardAbandonedUploads } from './datasets/service.ts';
import { ColumnThreads } from './datasets/column-threads.ts';
import { chinaDate, complianceMigrations, FilingsStore, SubjectCounter } from './compliance/index.ts';
import { computeMigrations } from './compute/migrations.ts';
import { disclosureMigrations } from './compute/disclosure/tables.ts';
import { coreMigrations } from './db/migrations.ts';
import { egressMigrations } from './egress/migrations.ts';
import { viewMigrations } from './views/migrations.ts';
import type { GatewaySchema } from './db/schema.ts';
import { tokenMigrations } from './tokens/migrations.ts';

/** How often each gateway looks for uploads a stopped gateway left open. */
const UPLOAD_CLEANUP_MS = 60_000;

export interface RunningGateway {
  app: FastifyInstance;
  ctx: GatewayContext;
  /** Set only on the very first start without SLUICE_ADMIN_TOKEN; shown once, never stored. */
  generatedAdminToken: string | undefined;
  url: string;
  close(): Promise<void>;
}

/** The KMS token from the environment, or the one a standalone KMS wrote into the data dir. */
function kmsToken(config: Config): string {
  if (config.kmsToken) return config.kmsToken;
  const file = path.join(config.dataDir, 'kms', 'token');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  throw new Error('SLUICE_KMS_TOKEN is not set and no KMS token file exists in the data dir');
}

/**
 * Loads each exporter's de-duplication set for the current year in the background, so the first
 * transfer after a restart does not pay for reading millions of subject hashes.
 */
async function warmSubjectSets(ctx: GatewayContext): Promise<void> {
  const year = Number(chinaDate(ctx.now().toISOString()).slice(0, 4));
  const exporters = await ctx.db.selectFrom('parties').select('id').where('kind', '=', 'domestic').execute();
  for (const { id } of exporters) await ctx.compliance.counter.preview(id, year, { personal: [], sensitive: [] });
}

export async function startGateway(config: Config, logger: Logger = createLogger('gateway', config.logLevel)): Promise<RunningGateway> {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const database = openDatabase<GatewaySchema>({ url: config.databaseUrl, sqlitePath: path.join(config.dataDir, 'gateway.db') });
  await migrate(
    database.db,
    database.dialect,
    { ...coreMigrations, ...complianceMigrations, ...computeMigrations, ...computeStoreMigrations, ...tokenMigrations, ...egressMigrations, ...disclosureMigrations, ...viewMigrations },
    'gateway',
  );
  const token = kmsToken(config);
  // One deadline for every KMS call (SLUICE_KMS_TIMEOUT_MS): a stalled KMS costs a request that
  // long, then KMS_UNAVAILABLE, and nothing is released.
  const kmsAccess = { url: config.kmsUrl, token, timeoutMs: config.kmsTimeoutMs, tls: tlsClientSettings(config) };
  const kms = new KmsClient(kmsAccess);
  // With PostgreSQL the ledger's operator key lives sealed in the database, for every gateway.
  const ledger = await openLedger(config, logger, process.env, kmsSealer(kms, 'ledger-operator-key'));
  const relay = new OutboxRelay(database.db, database.dialect, ledger, logger);
  const ctx: GatewayContext = {
    config,
    db: database.db,
    dialect: database.dialect,
    kms,
    ledger,
    relay,
    compliance: { counter: new SubjectCounter(database), filings: new FilingsStore(database) },
    compute: {
      // The worker processes open the same queue and store: same SLUICE_REDIS_URL, same database (or data dir).
      queue: await createComputeQueue({ dataDir: config.dataDir, redisUrl: config.redisUrl }),
      store: computeStore(config.dataDir, database.dialect === 'postgres' ? database.db : undefined),
      encryption: new EncryptionPool(),
      columns: new ColumnThreads(),
      psi: new X25519Pool(),
      keysets: new HeKeysetClient(kmsAccess),
    },
    locks: openProcessLocks(database.dialect === 'postgres' ? config.databaseUrl : undefined, logger),
    logger,
    now: () => new Date(),
  };
  // Uploads whose gateway stopped mid-way (this one, or another on the database): at start, then now and then.
  const uploadCleanup = new Periodic(
    async () => {
      const discarded = await discardAbandonedUploads(ctx);
      if (discarded > 0) logger.warn({ discarded }, 'removed uploads interrupted by a stopped gateway');
    },
    UPLOAD_CLEANUP_MS,
    (error) => logger.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'upload clean-up failed; retried later'),
  );
  uploadCleanup.start();
  const generatedAdminToken = await bootstrapAdmin(database.db, config.adminToken, ctx.now(), logger);
  relay.start();
  const keyEvents = new KmsAuditFollower(database.db, kms, logger);
  keyEvents.start();
  void warmSubjectSets(ctx).catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : 'unknown' }, 'subject sets not preloaded'));
  // On Redis, every gateway process shares the request and failed-authentication counts.
  const limits = await openWindowCounter(config.redisUrl, 'sluice:limits:', logger);
  const app = await buildGatewayApp(ctx, limits);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    ctx,
    generatedAdminToken,
    url: `${config.tls.gatewayCert ? 'https' : 'http'}://${config.host}:${port}`,
    async close() {
      await app.close();
      await uploadCleanup.stop();
      await ctx.locks.close();
      await Promise.all([ctx.compute.queue.close(), ctx.compute.encryption.close(), ctx.compute.columns.close(), ctx.compute.psi.close()]);
      await keyEvents.stop();
      await relay.stop();
      await ledger.close();
      await limits.close();
      await database.close();
    },
  };
}
