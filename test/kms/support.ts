import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomToken } from '../../crypto/index.ts';
import { deriveWorkerToken, KmsClient, startKmsServer, type KmsServer } from '../../kms/index.ts';
import { freePort } from '../support/ports.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const created: string[] = [];

/** A fresh data directory; test files remove theirs with `afterAll(removeTempDirs)`. */
export function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kms-'));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export interface RawResponse {
  status: number;
  body: any;
}

/** One HTTP call with an explicit token (or none), for tests that look at statuses and bodies. */
export async function call(url: string, method: string, route: string, token: string | undefined, body?: unknown): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url + route, { method, headers, body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text.length > 0 ? JSON.parse(text) : undefined };
}

export interface TestKms {
  server: KmsServer;
  url: string;
  token: string;
  workerToken: string;
  dataDir: string;
  client: KmsClient;
  /** `call` against this KMS with the service token unless another is given. */
  http(method: string, route: string, body?: unknown, token?: string | null): Promise<RawResponse>;
  close(): Promise<void>;
}

/** An in-process KMS on an ephemeral port over a fresh data dir (unless one is given). */
export async function startTestKms(env: Record<string, string> = {}, options: Parameters<typeof startKmsServer>[0] = {}): Promise<TestKms> {
  const dataDir = env.SLUICE_DATA_DIR ?? tempDataDir();
  const token = env.SLUICE_KMS_TOKEN ?? randomToken('kms_test_');
  const server = await startKmsServer({
    ...options,
    env: { SLUICE_DATA_DIR: dataDir, SLUICE_KMS_PORT: '0', SLUICE_KMS_TOKEN: token, SLUICE_LOG_LEVEL: 'silent', ...env },
  });
  return {
    server,
    url: server.url,
    token,
    workerToken: deriveWorkerToken(token),
    dataDir,
    client: new KmsClient({ url: server.url, token }),
    http: (method, route, body, explicit) => call(server.url, method, route, explicit === null ? undefined : (explicit ?? token), body),
    close: () => server.close(),
  };
}

export interface KmsProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The real `node --import tsx kms/main.ts` on a free port; resolves once `/healthz` answers. */
export async function spawnKms(env: Record<string, string>, port?: number): Promise<KmsProcess> {
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'kms/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SLUICE_LOG_LEVEL: 'info', ...env, SLUICE_KMS_PORT: String(listenPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`KMS exited with ${child.exitCode} before it was ready:\n${output}`);
    try {
      const response = await fetch(url + '/healthz');
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`KMS did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    port: listenPort,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the process entry to completion, for configurations that must refuse to start. */
export function runKmsToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'kms/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SLUICE_LOG_LEVEL: 'info', SLUICE_KMS_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}
