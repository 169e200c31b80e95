import path from 'node:path';

/** Where fabric:up keeps a network under the data directory, and the env files it writes. */
export function networkRoot(dataDir: string): string {
  return path.join(dataDir, 'fabric');
}

export function envFiles(dataDir: string): { operator: string; regulator: string } {
  return { operator: path.join(dataDir, 'fabric.env'), regulator: path.join(dataDir, 'fabric-regulator.env') };
}
