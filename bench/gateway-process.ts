import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKmsProcess, type KmsProcess } from '../test/support/kms.ts';
import { freePort } from '../test/support/ports.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface GatewayProcess {
  url: string;
  adminToken: string;
  kms: KmsProcess;
  /** Peak resident set of the gateway process so far (VmHWM), MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/**
 * The gateway as its own process on the embedded defaults (SQLite in a fresh data dir), with
 * the real KMS beside it, as `npm start` runs them; its memory is then its own to measure.
 */
export async function startGatewayProcess(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-gateway-'));
  const kms = await startKmsProcess({ SLUICE_DATA_DIR: path.join(dir, 'kms') });
  const port = await freePort();
  const adminToken = `slc_admin_bench_${Date.now()}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      SLUICE_DATA_DIR: path.join(dir, 'gateway'),
      SLUICE_PORT: String(port),
      SLUICE_KMS_URL: kms.url,
      SLUICE_KMS_TOKEN: kms.token,
      SLUICE_ADMIN_TOKEN: adminToken,
      SLUICE_LOG_LEVEL: 'warn',
      SLUICE_RATE_LIMIT: '100000000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited during startup:\n${stderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`gateway did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    adminToken,
    kms,
    peakRssMb() {
      const line = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
      return Number(line?.match(/\d+/)?.[0] ?? 0) / 1024;
    },
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      await kms.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
