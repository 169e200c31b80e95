import { PassThrough } from 'node:stream';
import { main } from './main.ts';

/** Runs the CLI in-process as tests need it: own environment and cwd, output captured. */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd: string },
): Promise<{ code: number; stdout: string; stderr: string; stdoutBytes: Buffer }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString()));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr, env: options.env ?? {}, cwd: options.cwd });
  // A package written to stdout is binary: kept as bytes beside the text.
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString(), stderr: err.join(''), stdoutBytes };
}
