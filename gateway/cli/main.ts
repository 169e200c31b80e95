import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSluiceError } from '../../common/errors.ts';
import { UsageError, writeLine, type CliIO, type Command } from './command.ts';

const commandsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

function availableCommands(): string[] {
  return fs
    .readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Longest prefix of the arguments that names a command file (`ledger audit` → `ledger-audit`). */
function resolve(args: string[]): { name: string; rest: string[] } | undefined {
  const known = new Set(availableCommands());
  for (let words = Math.min(args.length, 3); words > 0; words--) {
    const name = args.slice(0, words).join('-');
    if (/^[a-z][a-z0-9-]*$/.test(name) && known.has(name)) return { name, rest: args.slice(words) };
  }
  return undefined;
}

async function load(name: string): Promise<Command> {
  const module = (await import(path.join(commandsDir, `${name}.ts`))) as { default: Command };
  return module.default;
}

async function printHelp(io: CliIO): Promise<void> {
  writeLine(io.stdout, 'usage: sluice <command> [options]\n\ncommands:');
  for (const name of availableCommands()) {
    const command = await load(name);
    writeLine(io.stdout, `  ${name.replaceAll('-', ' ').padEnd(20)} ${command.summary}`);
  }
}

export async function main(args: string[], io: CliIO = processIO()): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    await printHelp(io);
    return args.length === 0 ? 2 : 0;
  }
  const resolved = resolve(args);
  if (!resolved) {
    writeLine(io.stderr, `sluice: unknown command '${args[0]}' (see sluice --help)`);
    return 2;
  }
  const command = await load(resolved.name);
  try {
    return await command.run(resolved.rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      writeLine(io.stderr, `sluice: ${error.message}\nusage: ${command.usage}`);
      return 2;
    }
    if (isSluiceError(error)) {
      writeLine(io.stderr, `sluice: ${error.code}: ${error.message}`);
      return 1;
    }
    const message = error instanceof Error ? error.message : 'failed';
    writeLine(io.stderr, `sluice: ${message}`);
    return 1;
  }
}

function processIO(): CliIO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
