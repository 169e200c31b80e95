import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_STATUS, SluiceError, type ErrorCode } from '../../common/index.ts';
import { SANDBOX_FILES } from './payload.ts';

export interface SandboxLimits {
  /** Wall clock; the child is SIGKILLed after it and the attempt fails (and is retried). */
  timeoutMs: number;
  /** V8 heap cap (`--max-old-space-size`). */
  maxOldSpaceMb: number;
}

/** Exactly what the job child is started with; nothing else reaches it. */
export interface SandboxLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  scratchDir: string;
}

/**
 * Node's permission model (Node 20: `--experimental-permission`): reads limited to the child
 * bundle and the scratch directory, writes to the scratch directory; child processes, worker
 * threads and native addons stay denied because no `--allow-*` flag grants them. Node 20's
 * permission model cannot restrict the network: the child is given no credentials or
 * addresses, and a deployment that must also deny sockets runs workers in a network namespace.
 */
export function sandboxLaunch(bundleFile: string, scratchDir: string, limits: SandboxLimits): SandboxLaunch {
  return {
    command: process.execPath,
    args: [
      '--experimental-permission',
      `--allow-fs-read=${bundleFile}`,
      `--allow-fs-read=${scratchDir}`,
      `--allow-fs-write=${scratchDir}`,
      '--no-addons',
      `--max-old-space-size=${limits.maxOldSpaceMb}`,
      '--disable-warning=ExperimentalWarning',
      bundleFile,
      scratchDir,
    ],
    // An empty environment: no tokens, no URLs, no NODE_OPTIONS that could widen the sandbox.
    env: {},
    scratchDir,
  };
}

/**
 * A job child started ahead of its job in a fresh scratch directory: it loads SEAL and waits,
 * so a job does not pay the child's start-up (~0.3 s). The worker writes the job's files into
 * `launch.scratchDir`, then `run` lets the child go. One child, one job.
 */
export class SandboxChild {
  readonly launch: SandboxLaunch;
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #listeners = new Set<(message: ChildMessage) => void>();
  #spawnError: Error | undefined;

  constructor(bundleFile: string, scratchRoot: string, limits: SandboxLimits) {
    fs.mkdirSync(scratchRoot, { recursive: true, mode: 0o700 });
    this.launch = sandboxLaunch(bundleFile, fs.mkdtempSync(path.join(scratchRoot, 'job-')), limits);
    this.#child = spawn(this.launch.command, this.launch.args, { env: this.launch.env, cwd: this.launch.scratchDir, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#exited = new Promise((resolve) => this.#child.once('close', (code, signal) => resolve({ code, signal })));
    this.#child.once('error', (error) => (this.#spawnError = error));
    // A child that exits before it is told to run must not take the worker down with EPIPE.
    this.#child.stdin!.on('error', () => undefined);
    let pending = '';
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const message = parse(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        if (message) for (const listener of this.#listeners) listener(message);
      }
    });
    // The child's stderr may carry a stack trace that quotes inputs: it is drained, never kept.
    this.#child.stderr!.resume();
  }

  /** Lets the child evaluate the job now in its scratch directory; resolves with the result ciphertext it wrote. */
  async run(timeoutMs: number, onProgress: (fraction: number) => void): Promise<Uint8Array> {
    let errorCode: ErrorCode | undefined;
    const listener = (message: ChildMessage) => {
      if (typeof message.progress === 'number') onProgress(message.progress);
      if (typeof message.error === 'string' && message.error in ERROR_STATUS) errorCode = message.error as ErrorCode;
    };
    this.#listeners.add(listener);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.#child.kill('SIGKILL');
    }, timeoutMs);
    try {
      this.#child.stdin!.end('run\n');
      const { code, signal } = await this.#exited;
      if (this.#spawnError) throw new SluiceError('INTERNAL', 'the compute sandbox could not start', undefined, { cause: this.#spawnError });
      if (timedOut) throw new SluiceError('INTERNAL', 'the compute job exceeded its time limit');
      if (code !== 0) {
        if (errorCode && ERROR_STATUS[errorCode] < 500) throw new SluiceError(errorCode, 'the evaluator refused the job inputs');
        throw new SluiceError('INTERNAL', `the compute sandbox failed (${signal ?? `exit ${code}`})`);
      }
      try {
        return fs.readFileSync(path.join(this.launch.scratchDir, SANDBOX_FILES.result));
      } catch (cause) {
        throw new SluiceError('INTERNAL', 'the compute sandbox wrote no result', undefined, { cause });
      }
    } finally {
      clearTimeout(timer);
      this.#listeners.delete(listener);
    }
  }

  /** Stops the child if it still runs and removes its scratch directory. */
  async dispose(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.#exited;
    fs.rmSync(this.launch.scratchDir, { recursive: true, force: true });
  }
}

interface ChildMessage {
  progress?: unknown;
  error?: unknown;
}

/** Children started ahead of their jobs: one waits for each job the worker may run at once. */
export class SpareChildren {
  readonly #start: () => SandboxChild;
  readonly #waiting: SandboxChild[] = [];
  #closed = false;

  constructor(start: () => SandboxChild, count: number) {
    this.#start = start;
    for (let i = 0; i < count; i++) this.#waiting.push(start());
  }

  /** A waiting child, or a new one when none waits. */
  take(): SandboxChild {
    return this.#waiting.pop() ?? this.#start();
  }

  /** Starts a child to wait for the next job, in place of one that ran. */
  replenish(): void {
    if (!this.#closed) this.#waiting.push(this.#start());
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#waiting.splice(0).map((child) => child.dispose()));
  }
}

function parse(line: string): ChildMessage | undefined {
  try {
    return JSON.parse(line) as ChildMessage;
  } catch {
    return undefined;
  }
}
