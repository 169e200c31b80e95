import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/ports.ts';
import { startKmsProcess } from '../test/support/kms.ts';
import { GatewayProcess } from '../test/support/service.ts';

export interface BenchGateway {
  url: string;
  adminToken: string;
  /** Peak resident set of the gateway process so far (VmHWM), MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/**
 * The gateway as its own process on the embedded defaults (SQLite in a fresh data dir), with
 * the real KMS beside it, as `npm start` runs them; its memory is then its own to measure.
 */
export async function startGatewayProcess(): Promise<BenchGateway> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-gateway-'));
  const kms = await startKmsProcess({ SLUICE_DATA_DIR: path.join(dir, 'kms') });
  const adminToken = `slc_admin_bench_${Date.now()}`;
  const gateway = new GatewayProcess({
    SLUICE_DATA_DIR: path.join(dir, 'gateway'),
    SLUICE_PORT: String(await freePort()),
    SLUICE_KMS_URL: kms.url,
    SLUICE_KMS_TOKEN: kms.token,
    SLUICE_ADMIN_TOKEN: adminToken,
    SLUICE_RATE_LIMIT: '100000000',
  });
  try {
    await gateway.start();
  } catch (error) {
    // A gateway that does not come up must not leave its KMS running after the bench.
    await kms.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: gateway.url,
    adminToken,
    peakRssMb: () => gateway.peakRssMb(),
    async stop() {
      await gateway.stop();
      await kms.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
