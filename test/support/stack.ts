import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/ports.ts';
import { sluiceBin, tempDir } from './files.ts';

export interface Stack {
  gatewayUrl: string;
  kmsUrl: string;
  adminToken: string;
  kmsToken: string;
  dataDir: string;
  env: Record<string, string>;
  /** Everything the supervisor printed so far. */
  output(): string;
  pid(service: 'kms' | 'gateway' | 'worker'): number;
  stop(): Promise<void>;
}

/** `sluice start` exactly as an operator runs it, on free ports and a fresh data dir. */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const dataDir = tempDir('sluice-stack-');
  const [port, kmsPort] = [await freePort(), await freePort()];
  const adminToken = `slc_admin_${Math.random().toString(36).slice(2)}${Date.now()}`;
  const kmsToken = `kms_${Math.random().toString(36).slice(2)}${Date.now()}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    SLUICE_DATA_DIR: dataDir,
    SLUICE_PORT: String(port),
    SLUICE_KMS_PORT: String(kmsPort),
    SLUICE_ADMIN_TOKEN: adminToken,
    SLUICE_KMS_TOKEN: kmsToken,
    SLUICE_LOG_LEVEL: 'info',
    ...extraEnv,
  };
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [sluiceBin, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not start:\n${output}`)), 90_000);
    const check = setInterval(() => {
      if (output.includes('sluice: ready')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`sluice start exited with ${code}:\n${output}`));
    });
  });
  return {
    gatewayUrl: `http://127.0.0.1:${port}`,
    kmsUrl: `http://127.0.0.1:${kmsPort}`,
    adminToken,
    kmsToken,
    dataDir,
    env,
    output: () => output,
    pid: (service) => Number(fs.readFileSync(path.join(dataDir, 'run', `${service}.pid`), 'utf8')),
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
    },
  };
}
