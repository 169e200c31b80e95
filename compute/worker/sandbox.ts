import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_STATUS, SluiceError, type ErrorCode } from '../../common/index.ts';
import { SANDBOX_FILES } from './sandbox-files.ts';

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

/** Runs the child to completion and returns the result ciphertext it wrote. */
export function runSandbox(launch: SandboxLaunch, timeoutMs: number, onProgress: (fraction: number) => void): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(launch.command, launch.args, { env: launch.env, cwd: launch.scratchDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    let pending = '';
    let errorCode: ErrorCode | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const message = parse(line);
        if (typeof message?.progress === 'number') onProgress(message.progress);
        if (typeof message?.error === 'string' && message.error in ERROR_STATUS) errorCode = message.error as ErrorCode;
      }
    });
    // The child's stderr may carry a stack trace that quotes inputs: it is drained, never kept.
    child.stderr.resume();
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new SluiceError('INTERNAL', 'the compute sandbox could not start', undefined, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new SluiceError('INTERNAL', 'the compute job exceeded its time limit'));
      if (code !== 0) {
        if (errorCode && ERROR_STATUS[errorCode] < 500) return reject(new SluiceError(errorCode, 'the evaluator refused the job inputs'));
        return reject(new SluiceError('INTERNAL', `the compute sandbox failed (${signal ?? `exit ${code}`})`));
      }
      try {
        resolve(fs.readFileSync(path.join(launch.scratchDir, SANDBOX_FILES.result)));
      } catch (cause) {
        reject(new SluiceError('INTERNAL', 'the compute sandbox wrote no result', undefined, { cause }));
      }
    });
  });
}

function parse(line: string): { progress?: unknown; error?: unknown } | undefined {
  try {
    return JSON.parse(line) as { progress?: unknown; error?: unknown };
  } catch {
    return undefined;
  }
}
