import type { Readable, Writable } from 'node:stream';

/** What a command may touch; tests pass their own streams and environment. */
export interface CliIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  cwd: string;
}

/**
 * A CLI command lives in `gateway/cli/commands/<words-joined-by-dashes>.ts` (so `sluice ledger
 * audit` is `ledger-audit.ts`) and default-exports one of these. It returns the exit code.
 */
export interface Command {
  summary: string;
  usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Thrown for bad invocations; the dispatcher prints the message and the usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function writeLine(stream: Writable, line: string): void {
  stream.write(line + '\n');
}
