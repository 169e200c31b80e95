import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../test/support/cli.ts';
import { scenario } from '../../test/support/compliance/scenarios.ts';
import { tempDir } from '../../test/support/files.ts';

function run(args: string[], stdin = '') {
  const dir = tempDir('sluice-assess-');
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  return {
    dir,
    write,
    result: async () => {
      const { code, stdout, stderr } = await runCliInProcess(args, { cwd: dir, input: stdin });
      return { code, out: stdout, err: stderr };
    },
  };
}

describe('sluice assess SCENARIO_FILE', () => {
  it('prints the Assessment JSON and exits 0', async () => {
    const cli = await run(['assess', 'scenario.json']);
    cli.write('scenario.json', JSON.stringify(scenario()));
    const { code, out, err } = await cli.result();
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(JSON.parse(out)).toMatchObject({ mechanism: 'standard_contract_or_certification', regime: '2024', rules: ['R-SC1'] });
  });

  it('reads standard input for -', async () => {
    const cli = await run(['assess', '-'], JSON.stringify(scenario({ scenario: 'hr' })));
    const { code, out } = await cli.result();
    expect(code).toBe(0);
    expect(JSON.parse(out).rules).toEqual(['R-EX4']);
  });

  it('rejects an invalid scenario on stderr with exit 1, echoing no value', async () => {
    const cli = await run(['assess', 'bad.json']);
    cli.write('bad.json', JSON.stringify({ ...scenario(), data: { ...scenario().data, personal: '13800138000' } }));
    const { code, out, err } = await cli.result();
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/VALIDATION_FAILED/);
    expect(err).toContain('/data/personal');
    expect(err).not.toContain('13800138000');
  });

  it('rejects a file that is not JSON, or missing, with exit 1', async () => {
    const cli = await run(['assess', 'notjson.txt']);
    cli.write('notjson.txt', '{"secret": 110101199003077777');
    const broken = await cli.result();
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/not valid JSON/);
    expect(broken.err).not.toContain('110101199003077777');
    const missing = await (await run(['assess', 'missing.json'])).result();
    expect(missing.code).toBe(1);
  });

  it('is a usage error without exactly one file', async () => {
    expect((await (await run(['assess'])).result()).code).toBe(2);
  });
});
