import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Fabric release pinned in toolchain/go.mod (a pseudo-version of its release commit). */
export const FABRIC_VERSION = '2.5.9';
const FABRIC_COMMIT = '7c3876255bf0';

export const FABRIC_BINARIES = ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin'] as const;
export type FabricBinary = (typeof FABRIC_BINARIES)[number];

const TOOLCHAIN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'toolchain');

/** Where the binaries live: `SLUICE_FABRIC_BIN_DIR`, else a per-version cache outside git. */
export function fabricBinDir(env: Record<string, string | undefined> = process.env): string {
  const override = env.SLUICE_FABRIC_BIN_DIR;
  if (override) return path.resolve(override);
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'sluice', 'fabric', FABRIC_VERSION, 'bin');
}

export function fabricBinariesPresent(binDir = fabricBinDir()): boolean {
  return FABRIC_BINARIES.every((name) => fs.existsSync(path.join(binDir, name)));
}

/**
 * Builds the Fabric peer, orderer and tools from Fabric's Go module through the Go module proxy,
 * once: existing binaries are kept. Module downloads are checked against toolchain/go.sum.
 */
export function buildFabric(log: (line: string) => void, binDir = fabricBinDir()): void {
  if (fabricBinariesPresent(binDir)) return;
  fs.mkdirSync(binDir, { recursive: true });
  const ldflags = [`Version=${FABRIC_VERSION}`, `CommitSHA=${FABRIC_COMMIT}`]
    .map((assignment) => `-X github.com/hyperledger/fabric/common/metadata.${assignment}`)
    .join(' ');
  log(`building Hyperledger Fabric ${FABRIC_VERSION} into ${binDir} (several minutes on first run)`);
  const started = Date.now();
  execFileSync('go', ['install', '-mod=readonly', `-ldflags=${ldflags}`, 'tool'], {
    cwd: TOOLCHAIN_DIR,
    env: { ...process.env, GOBIN: binDir, GOFLAGS: '-buildvcs=false' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  log(`built Fabric in ${Math.round((Date.now() - started) / 1000)} s`);
}
