import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { serviceNodeFlags } from '../../gateway/supervisor/node-flags.ts';
import { repoRoot } from './files.ts';

/** What a failing test's message shows of a process's output: its end. */
const OUTPUT_KEPT = 16_384;

/**
 * One of our processes (`gateway/main.ts`, `compute/worker/main.ts`, …) started as an operator
 * would, with exactly the environment given (plus PATH, HOME and TMPDIR), and stopped — or
 * killed — and started again at will on that environment. Ready once `healthUrl` answers, or at
 * once without one.
 */
export class ServiceProcess {
  #child: ChildProcess | undefined;
  #output = '';

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly healthUrl?: string,
  ) {}

  async start(): Promise<void> {
    // As `sluice start` runs it.
    const child = spawn(process.execPath, [...serviceNodeFlags(), '--import', 'tsx', path.join(repoRoot, this.entry)], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TMPDIR ?? '/tmp', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const keep = (d: Buffer) => (this.#output = (this.#output + d.toString()).slice(-OUTPUT_KEPT));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    if (!this.healthUrl) return;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited during startup:\n${this.#output}`);
      try {
        if ((await fetch(this.healthUrl)).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not start:\n${this.#output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Its pid while it runs. */
  pid(): number | undefined {
    const child = this.#child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** The end of what it printed, for a failing test's message. */
  output(): string {
    return this.#output;
  }

  /** Sends a signal and waits for the exit: SIGTERM is a shutdown, SIGKILL a crash. Its exit code. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    return this.exited();
  }

  /** Waits for it to end by itself; its exit code (null when a signal ended it). */
  exited(): Promise<number | null> {
    const child = this.#child;
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve(child?.exitCode ?? null);
      child.once('exit', (code) => resolve(code));
    });
  }

  /** Sends a signal without waiting, e.g. SIGSTOP / SIGCONT to stall it without closing its sockets. */
  signal(name: NodeJS.Signals): void {
    if (this.pid() === undefined) throw new Error(`${this.name} is not running`);
    this.#child!.kill(name);
  }

  /** Peak resident set of the running process so far (VmHWM), MB. */
  peakRssMb(): number {
    const line = fs.readFileSync(`/proc/${this.#child!.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return Number(line?.match(/\d+/)?.[0] ?? 0) / 1024;
  }
}

/** The gateway (`gateway/main.ts`) on loopback at `SLUICE_PORT`, logging warnings and worse unless told otherwise. */
export class GatewayProcess extends ServiceProcess {
  readonly url: string;

  constructor(env: Record<string, string>, name = 'gateway') {
    const url = `http://127.0.0.1:${env.SLUICE_PORT}`;
    super(name, 'gateway/main.ts', { SLUICE_LOG_LEVEL: 'warn', ...env }, `${url}/healthz`);
    this.url = url;
  }
}
