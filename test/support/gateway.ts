import { afterAll, beforeAll } from 'vitest';
import { loadConfig, type Config } from '../../common/index.ts';
import { startGateway, type RunningGateway } from '../../gateway/index.ts';
import { freePort } from '../../scripts/ports.ts';
import { backendAvailable } from './backends.ts';
import { tempDir } from './files.ts';
import { startKmsProcess, type RunningKms } from './kms.ts';
import { postgresInstalled, startPostgres, type PostgresServer } from './postgres.ts';
import { GatewayProcess } from './service.ts';

export type Engine = 'sqlite' | 'postgres';

export interface GatewayHarness {
  url: string;
  adminToken: string;
  gateway: RunningGateway;
  kms: RunningKms;
  dataDir: string;
  /** Stops the gateway and starts it again on the same data dir and database (a new port). */
  restart(): Promise<void>;
}

/** The engines this run covers: SQLite always; PostgreSQL when installed (required in CI). */
export function engines(): Engine[] {
  return backendAvailable('postgresql', postgresInstalled()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A gateway's configuration beside `kms`: `env` (a data dir at least) over loopback port 0, no logs. */
export function gatewayConfig(kms: { url: string; token: string }, env: Record<string, string>): Config {
  return loadConfig({ SLUICE_PORT: '0', SLUICE_KMS_URL: kms.url, SLUICE_KMS_TOKEN: kms.token, SLUICE_LOG_LEVEL: 'silent', ...env });
}

/**
 * A gateway in this process over the chosen engine, with the real KMS as its own process.
 * Call inside a `describe`; the returned getter is valid from `beforeAll` on. `env` may be a
 * function, read when the gateway starts (after earlier `beforeAll`s, e.g. one starting Redis).
 */
export function useGateway(engine: Engine, env: Record<string, string> | (() => Record<string, string>) = {}): () => GatewayHarness {
  let harness: GatewayHarness | undefined;
  let postgres: PostgresServer | undefined;
  beforeAll(async () => {
    const dataDir = tempDir('sluice-gw-');
    if (engine === 'postgres') postgres = await startPostgres();
    const kms = await startKmsProcess();
    const adminToken = `slc_admin_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    const config = gatewayConfig(kms, {
      SLUICE_DATA_DIR: dataDir,
      SLUICE_ADMIN_TOKEN: adminToken,
      ...(postgres ? { SLUICE_DATABASE_URL: postgres.url } : {}),
      ...(typeof env === 'function' ? env() : env),
    });
    const gateway = await startGateway(config);
    harness = {
      url: gateway.url,
      adminToken,
      gateway,
      kms,
      dataDir,
      async restart() {
        await harness!.gateway.close();
        harness!.gateway = await startGateway(config);
        harness!.url = harness!.gateway.url;
      },
    };
  });
  afterAll(async () => {
    await harness?.gateway.close();
    await harness?.kms.stop();
    await postgres?.stop();
  });
  return () => {
    if (!harness) throw new Error('gateway harness not started');
    return harness;
  };
}

export interface GatewayProcessHarness {
  /** Not started: the test starts, kills and restarts it. */
  gateway: GatewayProcess;
  kms: RunningKms;
  url: string;
  adminToken: string;
  dataDir: string;
}

/** A gateway as its own OS process on a fresh data dir (SQLite), with the KMS beside it; for crash tests. */
export function useGatewayProcess(): () => GatewayProcessHarness {
  let harness: GatewayProcessHarness | undefined;
  beforeAll(async () => {
    const dataDir = tempDir('sluice-crash-');
    const kms = await startKmsProcess();
    const adminToken = `slc_admin_crash_${Date.now()}`;
    const gateway = new GatewayProcess({ SLUICE_DATA_DIR: dataDir, SLUICE_PORT: String(await freePort()), SLUICE_KMS_URL: kms.url, SLUICE_KMS_TOKEN: kms.token, SLUICE_ADMIN_TOKEN: adminToken });
    harness = { gateway, kms, url: gateway.url, adminToken, dataDir };
  });
  afterAll(async () => {
    await harness?.gateway.stop();
    await harness?.kms.stop();
  });
  return () => {
    if (!harness) throw new Error('gateway process harness not started');
    return harness;
  };
}
