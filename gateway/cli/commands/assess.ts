import fs from 'node:fs/promises';
import path from 'node:path';
import { isSluiceError } from '../../../common/index.ts';
import { assess } from '../../compliance/index.ts';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';

async function readInput(file: string, io: CliIO): Promise<string> {
  if (file !== '-') return fs.readFile(path.resolve(io.cwd, file), 'utf8');
  let text = '';
  for await (const chunk of io.stdin) text += chunk;
  return text;
}

const command: Command = {
  summary: 'print the compliance Assessment for a Scenario JSON file',
  usage: 'sluice assess SCENARIO_FILE   (- reads standard input)',
  async run(args, io) {
    if (args.length !== 1 || args[0]!.startsWith('--')) throw new UsageError('expected exactly one SCENARIO_FILE');
    let scenario: unknown;
    try {
      scenario = JSON.parse(await readInput(args[0]!, io));
    } catch (error) {
      // Neither the path's contents nor the parser's excerpt of them are echoed.
      const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
      writeLine(io.stderr, `sluice assess: the scenario file ${reason}`);
      return 1;
    }
    try {
      writeLine(io.stdout, JSON.stringify(assess(scenario as Parameters<typeof assess>[0]), null, 2));
      return 0;
    } catch (error) {
      if (!isSluiceError(error)) throw error;
      const problems = (error.details?.problems as string[] | undefined) ?? [];
      writeLine(io.stderr, `sluice assess: ${error.code}: ${error.message}${problems.length ? ` (${problems.join(', ')})` : ''}`);
      return 1;
    }
  },
};

export default command;
