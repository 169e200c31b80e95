import { randomToken } from '../../crypto/index.ts';
import { deriveWorkerToken, KmsClient, startKmsServer, type KmsServer } from '../../kms/index.ts';
import { freePort } from '../../scripts/ports.ts';
import { tempDir } from './files.ts';
import { api } from './http.ts';
import { ServiceProcess } from './service.ts';

/** The real KMS (`kms/main.ts`) as its own OS process on loopback at `port`, with exactly the environment given (logging at info unless told otherwise). */
export class KmsProcess extends ServiceProcess {
  readonly url: string;

  constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    const url = `http://127.0.0.1:${port}`;
    super('kms', 'kms/main.ts', { SLUICE_LOG_LEVEL: 'info', ...env, SLUICE_KMS_PORT: String(port) }, `${url}/healthz`);
    this.url = url;
  }
}

export type RunningKms = KmsProcess & { token: string; dataDir: string };

/** A started KMS process on a free port, over a fresh data dir and service token unless `env` names them, logging warnings and worse. */
export async function startKmsProcess(env: Record<string, string> = {}): Promise<RunningKms> {
  const dataDir = env.SLUICE_DATA_DIR ?? tempDir('sluice-kms-');
  const token = env.SLUICE_KMS_TOKEN ?? randomToken('kms_test_');
  const kms = Object.assign(new KmsProcess(await freePort(), { SLUICE_LOG_LEVEL: 'warn', ...env, SLUICE_DATA_DIR: dataDir, SLUICE_KMS_TOKEN: token }), { token, dataDir });
  await kms.start();
  return kms;
}

/** Runs the KMS process to its end, for configurations that must refuse to start. */
export async function runKmsToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const kms = new ServiceProcess('kms', 'kms/main.ts', { SLUICE_LOG_LEVEL: 'info', SLUICE_KMS_PORT: '0', ...env });
  await kms.start();
  return { code: await kms.exited(), output: kms.output() };
}

export interface TestKms {
  server: KmsServer;
  url: string;
  token: string;
  workerToken: string;
  dataDir: string;
  client: KmsClient;
  /** A JSON call against this KMS with the service token, another token, or none (`null`): its status and parsed body. */
  http(method: string, route: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** An in-process KMS on an ephemeral port over a fresh data dir (unless one is given). */
export async function startTestKms(env: Record<string, string> = {}, options: Parameters<typeof startKmsServer>[0] = {}): Promise<TestKms> {
  const dataDir = env.SLUICE_DATA_DIR ?? tempDir('sluice-kms-');
  const token = env.SLUICE_KMS_TOKEN ?? randomToken('kms_test_');
  const server = await startKmsServer({
    ...options,
    env: { SLUICE_DATA_DIR: dataDir, SLUICE_KMS_PORT: '0', SLUICE_KMS_TOKEN: token, SLUICE_LOG_LEVEL: 'silent', ...env },
  });
  return {
    server,
    url: server.url,
    token,
    workerToken: deriveWorkerToken(token),
    dataDir,
    client: new KmsClient({ url: server.url, token }),
    async http(method, route, body, explicit) {
      const response = await api(server.url, method, route, { token: explicit === null ? undefined : (explicit ?? token), json: body });
      return { status: response.status, body: response.body };
    },
    close: () => server.close(),
  };
}
