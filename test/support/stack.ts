import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sluiceBin = path.join(repoRoot, 'bin/sluice.js');

export interface Stack {
  gatewayUrl: string;
  kmsUrl: string;
  adminToken: string;
  kmsToken: string;
  dataDir: string;
  env: Record<string, string>;
  /** Everything the supervisor printed so far. */
  output(): string;
  pid(service: 'kms' | 'gateway' | 'worker'): number;
  stop(): Promise<void>;
}

/** `sluice start` exactly as an operator runs it, on free ports and a fresh data dir. */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-stack-'));
  const [port, kmsPort] = [await freePort(), await freePort()];
  const adminToken = `slc_admin_${Math.random().toString(36).slice(2)}${Date.now()}`;
  const kmsToken = `kms_${Math.random().toString(36).slice(2)}${Date.now()}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    SLUICE_DATA_DIR: dataDir,
    SLUICE_PORT: String(port),
    SLUICE_KMS_PORT: String(kmsPort),
    SLUICE_ADMIN_TOKEN: adminToken,
    SLUICE_KMS_TOKEN: kmsToken,
    SLUICE_LOG_LEVEL: 'info',
    ...extraEnv,
  };
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [sluiceBin, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not start:\n${output}`)), 90_000);
    const check = setInterval(() => {
      if (output.includes('sluice: ready')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`sluice start exited with ${code}:\n${output}`));
    });
  });
  return {
    gatewayUrl: `http://127.0.0.1:${port}`,
    kmsUrl: `http://127.0.0.1:${kmsPort}`,
    adminToken,
    kmsToken,
    dataDir,
    env,
    output: () => output,
    pid: (service) => Number(fs.readFileSync(path.join(dataDir, 'run', `${service}.pid`), 'utf8')),
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** A thin JSON client; `raw` sends a string body with its own content type. */
export async function api<T = any>(
  baseUrl: string,
  method: string,
  route: string,
  options: { token?: string; json?: unknown; raw?: string | Uint8Array; contentType?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.raw !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    body = options.raw;
  }
  const response = await fetch(baseUrl + route, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed as T, text, headers: response.headers };
}

/** Pinned trust anchors of CLI runs that name none: never the user's own store. */
const noPinnedAnchors = path.join(os.tmpdir(), `sluice-test-no-anchors-${process.pid}.json`);

/** Runs the `sluice` CLI as a user would (with an empty pinned-anchor store unless `env` names one). */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [sluiceBin, ...args], { env: { ...process.env, SLUICE_TRUST_STORE: noPinnedAnchors, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Every file under a directory, recursively (for at-rest leak checks). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
