import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';
import { repoRoot } from './stack.ts';

export interface KmsProcess {
  url: string;
  token: string;
  dataDir: string;
  /** SIGKILLs the process (a crash, not a shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  /** Sends the process a signal, e.g. SIGSTOP / SIGCONT to stall it without closing its socket. */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/** The real KMS as its own OS process on a free loopback port. */
export async function startKmsProcess(env: Record<string, string> = {}): Promise<KmsProcess> {
  const dataDir = env.SLUICE_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kms-'));
  const port = await freePort();
  const token = env.SLUICE_KMS_TOKEN ?? `kms_test_${Date.now()}_${Math.random().toString(36).slice(2)}`;
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const launch = async () => {
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'kms/main.ts')], {
      env: { ...process.env, SLUICE_DATA_DIR: dataDir, SLUICE_KMS_PORT: String(port), SLUICE_KMS_TOKEN: token, SLUICE_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`KMS exited during startup:\n${output}`);
      try {
        if ((await fetch(`${url}/healthz`)).ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`KMS did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const terminate = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });

  await launch();
  const signal = (name: NodeJS.Signals) => {
    if (!child || child.exitCode !== null) throw new Error('the KMS is not running');
    child.kill(name);
  };
  return { url, token, dataDir, kill: () => terminate('SIGKILL'), restart: launch, stop: () => terminate('SIGTERM'), signal };
}
