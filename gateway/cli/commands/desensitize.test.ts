import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../../test/support/cli.ts';
import { startTestKms, type TestKms } from '../../../test/support/kms.ts';
import { decryptField, parseFieldCiphertext, unwrapFieldKeys, type FieldKeySidecar } from '../../desensitize/index.ts';
import { isMobile } from '../../discovery/index.ts';

/** The dispatcher in-process, with stdin fed from `input`. */
const sluice = (cwd: string, args: string[], input = '', env: Record<string, string> = {}) => runCliInProcess(args, { cwd, env, input });

const CANARY_PHONE = '13987654321';
const CANARY_NAME = '诸葛孔明';
const csv = ['姓名,phone,age,dob,city,secret', `${CANARY_NAME},${CANARY_PHONE},37,1985-03-12,"Beijing, CN",drop-me`, '张三丰,13812345678,n/a,1990-01-01,上海,drop-me', ''].join('\r\n');
const policy = {
  fields: {
    姓名: { transform: 'mask', keepStart: 1, keepEnd: 0 },
    phone: { transform: 'tokenize' },
    age: { transform: 'generalize', step: 10 },
    dob: { transform: 'generalize', to: 'year' },
    city: { transform: 'keep' },
  },
};

describe('sluice desensitize', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-desensitize-'));
  const write = (name: string, content: unknown) =>
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  let kms: TestKms;

  beforeAll(async () => {
    write('policy.json', policy);
    write('key.json', { secret: 'a1'.repeat(32) });
    write('other-key.json', { secret: 'b2'.repeat(32) });
    write('in.csv', csv);
    kms = await startTestKms();
  });
  afterAll(async () => {
    await kms?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('transforms a CSV file, keeping the header order of the policy and dropping unlisted fields', async () => {
    const run = await sluice(dir, ['desensitize', '--policy', 'policy.json', '--key-file', 'key.json', '--in', 'in.csv', '--out', 'out.csv']);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toContain('desensitized 2 records');
    expect(run.stderr).toContain('age=1');
    const lines = read('out.csv').split('\r\n');
    expect(lines[0]).toBe('姓名,phone,age,dob,city');
    expect(lines[1]).toMatch(/^诸\*\*\*,\d{11},30-39,1985,"Beijing, CN"$/);
    expect(lines[2]).toMatch(/^张\*\*,\d{11},,1990,上海$/);
    expect(read('out.csv')).not.toContain(CANARY_PHONE);
    expect(read('out.csv')).not.toContain('drop-me');
    expect(fs.existsSync(path.join(dir, 'out.csv.partial'))).toBe(false);
  });

  it('streams NDJSON from stdin to stdout, deterministic per key and different across keys', async () => {
    const ndjson = csv
      .split('\r\n')
      .slice(1, 3)
      .map((line) => {
        const [name, phone] = line.split(',');
        return JSON.stringify({ 姓名: name, phone, age: 44, dob: '1979年5月6日', city: null });
      })
      .join('\n');
    const a = await sluice(dir, ['desensitize', '--policy', 'policy.json', '--key-file', 'key.json'], ndjson);
    const again = await sluice(dir, ['desensitize', '--policy', 'policy.json', '--key-file', 'key.json'], ndjson);
    const b = await sluice(dir, ['desensitize', '--policy', 'policy.json', '--key-file', 'other-key.json'], ndjson);
    expect(a.code).toBe(0);
    const rows = a.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows[0]).toEqual({ 姓名: '诸***', phone: expect.stringMatching(/^\d{11}$/), age: '40-49', dob: '1979', city: null });
    expect(a.stdout).toBe(again.stdout);
    expect(JSON.parse(b.stdout.split('\n')[0]!).phone).not.toBe(rows[0].phone);
    expect(a.stdout).not.toContain(CANARY_PHONE);
  });

  it('reports malformed input by line, without values, exit 1', async () => {
    write('bad.csv', 'phone,age\n13800000000,1\n"SECRET-ROW\n');
    const run = await sluice(dir, ['desensitize', '--policy', 'policy.json', '--key-file', 'key.json', '--in', 'bad.csv', '--out', 'bad-out.csv']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('VALIDATION_FAILED');
    expect(run.stderr).not.toContain('SECRET');
    expect(fs.existsSync(path.join(dir, 'bad-out.csv'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'bad-out.csv.partial'))).toBe(false);
  });

  it('refuses bad invocations, policies and key files', async () => {
    expect((await sluice(dir, ['desensitize', '--policy', 'policy.json'])).code).toBe(2);
    write('bad-policy.json', { fields: { phone: { transform: 'scramble' } } });
    const badPolicy = await sluice(dir, ['desensitize', '--policy', 'bad-policy.json', '--key-file', 'key.json', '--in', 'in.csv']);
    expect(badPolicy).toMatchObject({ code: 1, stderr: expect.stringContaining('VALIDATION_FAILED') });
    write('short-key.json', { secret: 'abcd' });
    expect((await sluice(dir, ['desensitize', '--policy', 'policy.json', '--key-file', 'short-key.json', '--in', 'in.csv'])).code).toBe(1);
  });

  it('refuses encrypt without a KMS', async () => {
    write('enc-policy.json', { fields: { phone: { transform: 'encrypt' } } });
    const run = await sluice(dir, ['desensitize', '--policy', 'enc-policy.json', '--key-file', 'key.json', '--in', 'in.csv', '--out', 'x.csv']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--kms');
  });

  it('encrypts with KMS data keys and writes the wrapped keys beside the output, decryptable only through the KMS', async () => {
    write('enc-policy.json', { fields: { 姓名: { transform: 'encrypt' }, phone: { transform: 'encrypt', alg: 'AES-256-GCM' }, age: { transform: 'keep' } } });
    const run = await sluice(
      dir,
      ['desensitize', '--policy', 'enc-policy.json', '--key-file', 'key.json', '--in', 'in.csv', '--out', 'enc.csv', '--kms', kms.url],
      '',
      { SLUICE_KMS_TOKEN: kms.token },
    );
    expect(run.stderr).toContain('desensitized 2 records');
    expect(run.code).toBe(0);
    const out = read('enc.csv');
    expect(out).not.toContain(CANARY_PHONE);
    expect(out).not.toContain(CANARY_NAME);
    const sidecar = JSON.parse(read('enc.csv.keys.json')) as FieldKeySidecar;
    expect(sidecar.keys.map((k) => k.alg).sort()).toEqual(['AES-256-GCM', 'SM4']);
    expect(JSON.stringify(sidecar)).not.toMatch(/plaintext/);
    const [, first] = out.split('\r\n');
    const [name, phone] = first!.split(',');
    expect(parseFieldCiphertext(phone!).alg).toBe('AES-256-GCM');
    const keyFor = await unwrapFieldKeys(kms.client, sidecar);
    expect(decryptField(name!, '姓名', keyFor)).toBe(CANARY_NAME);
    expect(decryptField(phone!, 'phone', keyFor)).toBe(CANARY_PHONE);
  });

  it('fails closed when the KMS is unreachable', async () => {
    const run = await sluice(dir, ['desensitize', '--policy', 'enc-policy.json', '--key-file', 'key.json', '--in', 'in.csv', '--out', 'down.csv', '--kms', 'http://127.0.0.1:9', '--kms-token', 't']);
    expect(run).toMatchObject({ code: 1, stderr: expect.stringContaining('KMS_UNAVAILABLE') });
    expect(fs.existsSync(path.join(dir, 'down.csv'))).toBe(false);
  });

  it('fingerprints for a recipient, and sluice trace names that recipient from a laundered leak', async () => {
    const people = ['phone,city'];
    for (let i = 0; i < 10000; i++) people.push(`1${3 + (i % 6)}${String(100000000 + i * 7919).slice(-9)},${['北京', '上海', '深圳'][i % 3]}`);
    write('people.csv', people.join('\n'));
    write('fp-policy.json', { fields: { phone: { transform: 'mask', keepStart: 3, keepEnd: 4 }, city: { transform: 'keep' }, id: { transform: 'hash' } } });
    write('people-id.csv', ['id,' + people[0], ...people.slice(1).map((line, i) => `p${i},${line}`)].join('\n'));
    const recipients = ['acme', 'globex', 'initech', 'umbrella'];
    for (const r of recipients) {
      const run = await sluice(dir, ['desensitize', '--policy', 'fp-policy.json', '--key-file', 'key.json', '--in', 'people-id.csv', '--out', `to-${r}.csv`, '--recipient', r]);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/added \d+ fingerprint rows/);
    }
    const leaked = read('to-globex.csv').trim().split('\r\n').map((l) => l.split(','));
    const kept = leaked.slice(1).filter((_, i) => i % 3 !== 0).reverse().map((cells) => `${cells[2]},${cells[0]}`);
    write('leak.csv', ['city,id', ...kept].join('\n'));
    write('candidates.json', recipients);
    const traced = await sluice(dir, ['trace', 'leak.csv', '--key-file', 'key.json', '--candidates', 'candidates.json']);
    expect(traced.code).toBe(0);
    expect(JSON.parse(traced.stdout)).toMatchObject({ recipientId: 'globex' });

    write('clean.csv', ['id,city', ...Array.from({ length: 100 }, (_, i) => `${'ab'.repeat(16)}${String(i).padStart(32, '0')},北京`)].join('\n'));
    const none = await sluice(dir, ['trace', 'clean.csv', '--key-file', 'key.json', '--candidates', 'candidates.json']);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout).recipientId).toBeNull();
  });

  it('gives the same output on worker threads as on one thread, and fails cleanly mid-way', async () => {
    const rows = ['姓名,phone,age,dob,city'];
    for (let i = 0; i < 9000; i++) rows.push(`张${i},139${String(i * 7919).padStart(8, '0')},${i % 90},19${50 + (i % 50)}-01-02,"北京, ${i}"`);
    write('many.csv', rows.join('\n'));
    const args = (threads: string, out: string) => ['desensitize', '--policy', 'policy.json', '--key-file', 'key.json', '--in', 'many.csv', '--out', out, '--threads', threads];
    const one = await sluice(dir, args('0', 'one.csv'));
    const two = await sluice(dir, args('2', 'two.csv'));
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(two.stderr).toBe(one.stderr);
    expect(read('two.csv')).toBe(read('one.csv'));

    write('many-bad.csv', [...rows, '张,"SECRET-ROW', ...rows.slice(1)].join('\n'));
    const bad = await sluice(dir, args('2', 'many-bad-out.csv').map((a) => (a === 'many.csv' ? 'many-bad.csv' : a)));
    expect(bad.code).toBe(1);
    expect(bad.stderr).not.toContain('SECRET');
    expect(fs.existsSync(path.join(dir, 'many-bad-out.csv'))).toBe(false);
    expect((await sluice(dir, args('-1', 'x.csv'))).code).toBe(2);
  });

  it('simulated mobiles in a CSV pass validation', async () => {
    write('sim-policy.json', { fields: { phone: { transform: 'simulate', type: 'cn_mobile' } } });
    const run = await sluice(dir, ['desensitize', '--policy', 'sim-policy.json', '--key-file', 'key.json', '--in', 'in.csv']);
    const phones = run.stdout.trim().split('\r\n').slice(1);
    expect(phones).toHaveLength(2);
    expect(phones.every(isMobile)).toBe(true);
    expect(phones).not.toContain(CANARY_PHONE);
  });
});
