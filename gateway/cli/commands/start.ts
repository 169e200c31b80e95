import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, prettyLogLine, tlsClientSettings } from '../../../common/index.ts';
import { randomToken } from '../../../crypto/index.ts';
import { deriveWorkerToken } from '../../../kms/index.ts';
import { Supervisor, type ServiceSpec } from '../../supervisor/supervisor.ts';
import { UsageError, writeLine, type Command } from '../command.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `sluice start`: gateway, KMS and a compute worker as separate processes under one supervisor. */
const start: Command = {
  summary: 'run the whole stack (gateway, KMS, compute worker) until Ctrl-C',
  usage: 'sluice start',
  async run(args, io) {
    if (args.length > 0) throw new UsageError('start takes no arguments');
    const config = loadConfig(io.env);
    // One service token per run when none is configured; the worker only ever sees a derived,
    // weaker token that cannot unwrap or decrypt anything.
    const kmsToken = config.kmsToken ?? randomToken('kms_');
    const base: Record<string, string | undefined> = { ...io.env, SLUICE_DATA_DIR: config.dataDir, SLUICE_KMS_URL: config.kmsUrl };
    // The worker gets neither the KMS service token nor the admin token.
    const { SLUICE_KMS_TOKEN: _kms, SLUICE_ADMIN_TOKEN: _admin, ...workerBase } = base;
    const gateway = `${config.tls.gatewayCert ? 'https' : 'http'}://127.0.0.1:${config.port}`;
    const services: ServiceSpec[] = [
      { name: 'kms', entry: path.join(root, 'kms/main.ts'), env: { ...base, SLUICE_KMS_TOKEN: kmsToken }, healthUrl: `${config.kmsUrl}/healthz` },
      {
        name: 'gateway',
        entry: path.join(root, 'gateway/main.ts'),
        env: { ...base, SLUICE_KMS_TOKEN: kmsToken },
        healthUrl: `${gateway}/healthz`,
      },
      { name: 'worker', entry: path.join(root, 'compute/worker/main.ts'), env: { ...workerBase, SLUICE_KMS_WORKER_TOKEN: deriveWorkerToken(kmsToken) } },
    ];
    const supervisor = new Supervisor({
      services,
      logDir: path.join(config.dataDir, 'logs'),
      runDir: path.join(config.dataDir, 'run'),
      stdout: io.stdout,
      // A person at a terminal reads prettified lines; pipes and the log files get JSON.
      ...((io.stdout as NodeJS.WriteStream).isTTY ? { pretty: prettyLogLine() } : {}),
      onSecret: (_service, text) => io.stdout.write(text),
      onEvent: (message) => writeLine(io.stderr, `sluice: ${message}`),
      tls: tlsClientSettings(config),
    });
    const stopped = new Promise<void>((resolve) => {
      const stop = () => void supervisor.stop().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    try {
      await supervisor.start();
    } catch (error) {
      await supervisor.stop();
      throw error;
    }
    writeLine(io.stderr, `sluice: ready — gateway ${gateway} (API docs at /docs), KMS ${config.kmsUrl}; Ctrl-C stops all`);
    await stopped;
    return 0;
  },
};

export default start;
