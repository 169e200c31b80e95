import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { freePort, waitForPort } from '../../scripts/ports.ts';
import { findExecutable } from './backends.ts';
import { tempDir } from './files.ts';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function redisInstalled(): boolean {
  return findExecutable('redis-server') !== undefined;
}

/** A throwaway redis-server on a free loopback port, persistence off. */
export async function startRedis(): Promise<RedisServer> {
  const binary = findExecutable('redis-server');
  if (!binary) throw new Error('redis-server not found');
  const dir = tempDir('sluice-redis-');
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  await waitForPort(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
