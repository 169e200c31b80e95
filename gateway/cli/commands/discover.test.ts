import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli.ts';
import { generate, prng } from '../../discovery/labelled-corpus.ts';

describe('sluice discover', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-discover-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = prng(3);
  const rows = Array.from({ length: 200 }, () => ({ 身份证号: generate.residentId(r), contact: generate.mobile(r), mail: generate.email(r), amount: String(r() * 1000) }));

  it.each([
    ['people.csv', ['身份证号,contact,mail,amount', ...rows.map((x) => `${x.身份证号},${x.contact},${x.mail},${x.amount}`)].join('\n')],
    ['people.ndjson', rows.map((x) => JSON.stringify(x)).join('\n')],
    ['people.data', rows.map((x) => JSON.stringify(x)).join('\n')],
  ])('prints the SURFACE report for %s', async (name, content) => {
    fs.writeFileSync(path.join(dir, name), content);
    const run = await runCliInProcess(['discover', name], { cwd: dir });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      columns: [
        { name: '身份证号', detected: 'cn_resident_id', category: 'sensitive', confidence: 1, matches: 200, rows: 200 },
        { name: 'contact', detected: 'cn_mobile', category: 'personal', confidence: 0.95, matches: 200, rows: 200 },
        { name: 'mail', detected: 'email', category: 'personal', confidence: 1, matches: 200, rows: 200 },
        { name: 'amount', detected: 'none', category: 'general', confidence: 1, matches: 0, rows: 200 },
      ],
    });
  });

  it('samples --rows rows and refuses usage errors', async () => {
    const run = await runCliInProcess(['discover', 'people.csv', '--rows', '10'], { cwd: dir });
    expect(JSON.parse(run.stdout).columns[0]).toMatchObject({ rows: 10, matches: 10 });
    expect((await runCliInProcess(['discover'], { cwd: dir })).code).toBe(2);
    expect((await runCliInProcess(['discover', 'people.csv', '--rows', 'x'], { cwd: dir })).code).toBe(2);
    expect((await runCliInProcess(['discover', 'missing.csv'], { cwd: dir })).code).toBe(1);
  });
});
