import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { ServiceClient, type TlsClientSettings } from '../../common/index.ts';
import { serviceNodeFlags } from './node-flags.ts';

export interface ServiceSpec {
  name: string;
  /** Node entry module, run with tsx. */
  entry: string;
  env: Record<string, string | undefined>;
  /** URL answering 200 once the service is ready. */
  healthUrl?: string;
}

export interface SupervisorOptions {
  services: ServiceSpec[];
  logDir: string;
  /** One `<service>.pid` file per running child, for operators and fault tests. */
  runDir: string;
  stdout: Writable;
  /** For a terminal: how each line a child prints is shown there (the log files keep it as written). */
  pretty?: (line: string) => string;
  /** Receives what a child writes on its secret channel (fd 3): shown to the operator, never logged. */
  onSecret: (service: string, text: string) => void;
  onEvent: (message: string) => void;
  /** CA and client certificate for health checks of services that serve (mutual) TLS. */
  tls?: TlsClientSettings;
}

const RESTART_DELAY_MS = 1000;
const MAX_RESTARTS_PER_MINUTE = 5;

/**
 * Runs each service as its own OS process, restarts one that dies, and stops them all on
 * request. Child logs go to the console and to one file per service in the data dir.
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly restarts = new Map<string, number[]>();
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {}

  async start(): Promise<void> {
    fs.mkdirSync(this.options.logDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.options.runDir, { recursive: true, mode: 0o700 });
    for (const spec of this.options.services) {
      this.launch(spec);
      if (spec.healthUrl) await waitHealthy(spec.healthUrl, () => this.children.get(spec.name)?.exitCode !== null, this.options.tls);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].reverse().map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => (clearTimeout(force), resolve()));
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  private launch(spec: ServiceSpec): void {
    const log = fs.createWriteStream(path.join(this.options.logDir, `${spec.name}.log`), { flags: 'a', mode: 0o600 });
    const child = spawn(process.execPath, [...serviceNodeFlags(), '--import', 'tsx', spec.entry], {
      env: { ...spec.env, SLUICE_SECRET_FD: '3' },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.children.set(spec.name, child);
    fs.writeFileSync(path.join(this.options.runDir, `${spec.name}.pid`), `${child.pid}\n`);
    for (const stream of [child.stdout, child.stderr]) {
      const show = this.console();
      stream?.on('data', (chunk: Buffer) => {
        show(chunk);
        log.write(chunk);
      });
    }
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (chunk: Buffer) => this.options.onSecret(spec.name, chunk.toString('utf8')));
    child.once('exit', (code, signal) => {
      log.end();
      if (this.stopping) return;
      this.options.onEvent(`${spec.name} exited (${signal ?? code}); restarting`);
      if (!this.mayRestart(spec.name)) {
        this.options.onEvent(`${spec.name} keeps failing; giving up on it`);
        return;
      }
      setTimeout(() => !this.stopping && this.launch(spec), RESTART_DELAY_MS);
    });
  }

  /** Writes a child's output to the console, line by line through `pretty` when set. */
  private console(): (chunk: Buffer) => void {
    const { stdout, pretty } = this.options;
    if (!pretty) return (chunk) => stdout.write(chunk);
    let pending = '';
    return (chunk) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) stdout.write(pretty(line));
    };
  }

  private mayRestart(name: string): boolean {
    const now = Date.now();
    const recent = (this.restarts.get(name) ?? []).filter((t) => now - t < 60_000);
    recent.push(now);
    this.restarts.set(name, recent);
    return recent.length <= MAX_RESTARTS_PER_MINUTE;
  }
}

async function waitHealthy(url: string, exited: () => boolean, tls: TlsClientSettings | undefined, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const client = new ServiceClient(url, 1000, tls);
  try {
    while (Date.now() < deadline) {
      if (exited()) throw new Error(`service behind ${url} exited during startup`);
      try {
        const response = await client.request(url, { method: 'GET' });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  } finally {
    client.close();
  }
  throw new Error(`service behind ${url} did not become healthy within ${timeoutMs} ms`);
}
