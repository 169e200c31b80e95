import fs from 'node:fs';
import path from 'node:path';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHttpServer, createLogger, readPem, type Logger } from '../common/index.ts';
import { authenticate, callerOf } from './access.ts';
import { audited, type AuditedStore } from './audit.ts';
import { Barrier } from './barrier.ts';
import { loadKmsConfig, type KmsConfig } from './config.ts';
import { Identities, resolveServiceToken } from './identity.ts';
import { KeyService } from './keys.ts';
import { Mutex } from './mutex.ts';
import type { KmsPlugin, KmsPluginContext } from './plugin.ts';
import { keyRoutes } from './routes/keys.ts';
import { sysRoutes } from './routes/sys.ts';
import { SealManager } from './seal.ts';
import { openKmsStore } from './store.ts';

export interface KmsServerOptions {
  /** Read once when `config` is not given; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  config?: KmsConfig;
  logger?: Logger;
  plugins?: KmsPlugin[];
}

export interface KmsServer {
  url: string;
  port: number;
  /** Stops listening, zeroes the master key and closes the store. */
  close(): Promise<void>;
}

/**
 * HTTPS when `SLUICE_KMS_TLS_CERT` is set; with `SLUICE_KMS_TLS_CLIENT_AUTH=require` the TLS
 * handshake itself refuses a client without a certificate from `SLUICE_TLS_CA`, before any
 * token is looked at.
 */
function kmsTls(config: KmsConfig): { https?: https.ServerOptions } {
  const { kmsCert, kmsKey, kmsClientAuth, ca } = config.base.tls;
  if (!kmsCert || !kmsKey) return {};
  return {
    https: {
      cert: readPem(kmsCert, 'SLUICE_KMS_TLS_CERT'),
      key: readPem(kmsKey, 'SLUICE_KMS_TLS_KEY'),
      minVersion: 'TLSv1.2',
      ...(kmsClientAuth && ca ? { ca: readPem(ca, 'SLUICE_TLS_CA'), requestCert: true, rejectUnauthorized: true } : {}),
    },
  };
}

/**
 * Starts the KMS in this process: store, seal, then HTTP. It listens only once the store is
 * migrated and (outside shamir mode) unsealed, so `/healthz` answering means ready.
 */
export async function startKmsServer(options: KmsServerOptions = {}): Promise<KmsServer> {
  const config = options.config ?? loadKmsConfig(options.env);
  const logger = options.logger ?? createLogger('kms', config.base.logLevel);
  fs.mkdirSync(config.dir, { recursive: true, mode: 0o700 });
  const serviceToken = resolveServiceToken(config.base.kmsToken, path.join(config.dir, 'token'), logger);
  const database = await openKmsStore(config);
  const barrier = new Barrier();
  try {
    const store: AuditedStore = { db: database.db, mutex: new Mutex(), logger };
    const seal = new SealManager(store, barrier, config);
    await seal.start();
    const keys = new KeyService(store, barrier);
    const pluginContext: KmsPluginContext = {
      database,
      logger,
      requireUnsealed: () => barrier.requireUnsealed(),
      wrap: (data, aad) => barrier.wrap(data, aad),
      unwrap: (sealed, aad) => barrier.unwrap(sealed, aad),
      audited: (entry, work) => audited(store, entry, work),
      callerOf,
    };
    const app = await createHttpServer({ logger, bodyLimit: config.bodyLimit, rateLimit: config.rateLimit, ...kmsTls(config) });
    await app.register(async (scope) => {
      scope.addHook('onRequest', authenticate(new Identities(serviceToken)));
      await keyRoutes(scope, keys);
      await sysRoutes(scope, seal, database.db);
      for (const plugin of options.plugins ?? []) await plugin.register(scope, pluginContext);
    });
    await app.listen({ host: config.base.host, port: config.base.kmsPort });
    const port = (app.server.address() as AddressInfo).port;
    logger.info({ port, seal: config.seal, sealed: barrier.sealed, tls: config.base.tls.kmsCert ? (config.base.tls.kmsClientAuth ? 'mutual' : 'server') : 'off' }, 'KMS listening');
    const scheme = config.base.tls.kmsCert ? 'https' : 'http';
    return {
      url: `${scheme}://${config.base.host.includes(':') ? `[${config.base.host}]` : config.base.host}:${port}`,
      port,
      async close() {
        await app.close();
        barrier.seal();
        await database.close();
      },
    };
  } catch (error) {
    barrier.seal();
    await database.close();
    throw error;
  }
}
