import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../gateway/cli/main.ts';
import { sluiceBin } from './files.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Pinned trust anchors of CLI runs that name none: never the user's own store. */
const noPinnedAnchors = path.join(os.tmpdir(), `sluice-test-no-anchors-${process.pid}.json`);

/** Runs the `sluice` CLI as a user would, as its own process (with an empty pinned-anchor store unless `env` names one). */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliRun> {
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

/**
 * Runs the CLI in this process with its own environment and cwd, stdin fed from `input` (none:
 * a stdin that never ends), output captured (stdout also as bytes, for binary output).
 */
export async function runCliInProcess(args: string[], options: { env?: Record<string, string | undefined>; cwd: string; input?: string }): Promise<CliRun & { stdoutBytes: Buffer }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const stdin = options.input === undefined ? new PassThrough() : Readable.from([Buffer.from(options.input)]);
  const code = await main(args, { stdin, stdout, stderr, env: options.env ?? {}, cwd: options.cwd });
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString(), stderr: Buffer.concat(err).toString(), stdoutBytes };
}
