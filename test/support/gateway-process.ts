import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './stack.ts';

/**
 * The gateway as its own OS process (`gateway/main.ts`), started and stopped — or killed — at
 * will on the same environment (data dir, port, KMS), as crash tests and benchmarks need it.
 */
export class GatewayProcess {
  #child: ChildProcess | undefined;
  #output = '';

  constructor(private readonly env: Record<string, string>) {}

  get url(): string {
    return `http://127.0.0.1:${this.env.SLUICE_PORT}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'gateway/main.ts')], {
      cwd: repoRoot,
      env: { ...process.env, SLUICE_LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child = child;
    child.stderr?.on('data', (d: Buffer) => (this.#output = (this.#output + d.toString()).slice(-4000)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`gateway exited during startup:\n${this.#output}`);
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`gateway did not start:\n${this.#output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM is a shutdown; SIGKILL a crash. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** Peak resident set of the running process so far (VmHWM), MB. */
  peakRssMb(): number {
    const line = fs.readFileSync(`/proc/${this.#child!.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return Number(line?.match(/\d+/)?.[0] ?? 0) / 1024;
  }
}
