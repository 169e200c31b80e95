import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './stack.ts';

export interface ServiceProcess {
  readonly name: string;
  /** Its pid while it runs. */
  pid(): number | undefined;
  /** Everything it printed, for a failing test's message. */
  output(): string;
  /** Sends a signal and waits for the exit (SIGKILL: a crash, not a shutdown). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same environment. */
  restart(): Promise<void>;
}

/**
 * One of our processes (`gateway/main.ts`, `compute/worker/main.ts`, …) started as an operator
 * would, with exactly the environment given (plus PATH and HOME); ready once `healthUrl`
 * answers, or at once without one.
 */
export async function startService(name: string, entry: string, env: Record<string, string>, healthUrl?: string): Promise<ServiceProcess> {
  let child: ChildProcess | undefined;
  let output = '';
  const launch = async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, entry)], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TMPDIR ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    if (!healthUrl) return;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited during startup:\n${output}`);
      try {
        if ((await fetch(healthUrl)).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${name} did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await launch();
  return {
    name,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    output: () => output,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
    restart: launch,
  };
}
