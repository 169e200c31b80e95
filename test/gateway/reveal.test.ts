import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPackage } from '../../gateway/index.ts';
import { runCliInProcess } from '../support/cli.ts';
import { filesUnder } from '../support/files.ts';
import { approveContract, proposeContract, registerParty, type ContractFixture, type PartyFixture } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { startModelProvider, type ModelProvider } from '../support/model-provider.ts';

const RATE_LIMIT = 300;

type Delivered = { phone: string; note: string; account: string; city: string; remark: string };
const NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨帆', '赵磊', '黄敏', '周杰', '吴迪', '徐丽', '孙浩', '马超', '朱琳', '胡军', '郭峰', '何欣', '高远', '林涛', '罗娟'];
const rows = NAMES.map((name, i) => ({
  phone: `1391234${String(i).padStart(4, '0')}`,
  note: `客户${name}（手机1395711${String(i).padStart(4, '0')}）要求退款，寄到杭州市西湖区文三路${100 + i}号。`,
  account: `ACC-${100000 + i}`,
  city: i % 2 ? 'Hangzhou' : 'Shanghai',
  remark: `客户${name}来电`,
}));
const PROMPT = '客户欧阳靖远（身份证330106198512032417）来电，手机13957112345，住址：浙江省杭州市西湖区文三路477号华星科技大厦8楼，退款卡号6222021202041234569。';
/** Values that must reach nobody but the owner. */
const PLANTED = ['欧阳靖远', '330106198512032417', '13957112345', '6222021202041234569', ...NAMES, ...rows.map((r) => r.phone), ...rows.map((r) => r.account)];

/**
 * `POST /v1/contracts/:id/reveal` and `sluice reveal`: the owner restores what a contract's keyed
 * transforms released — prompt tokens an overseas model saw, FF1 tokens, encrypted fields,
 * redacted notes — and nobody else can, nor anyone once the contract is shredded.
 */
describe('owner-only restoration of what a contract released', () => {
  const harness = useGateway('sqlite', { SLUICE_RATE_LIMIT: String(RATE_LIMIT) });
  let provider: ModelProvider;
  let owner: PartyFixture;
  let otherOwner: PartyFixture;
  let recipient: PartyFixture;
  let model: PartyFixture;
  let regulator: PartyFixture;
  let egress: ContractFixture;
  let data: ContractFixture;
  let datasetId: string;
  let delivered: Delivered[];
  let sentPrompt: string;
  let cwd: string;
  /** Every answer to anyone but the owner's successful reveals: none may hold a planted value. */
  const elsewhere: string[] = [];
  const url = () => harness().url;
  /** `owners`: an answer the owner may see values in; every other answer is searched for them at the end. */
  const call = async (route: string, token: string | undefined, json?: unknown, owners = true) => {
    const r = await api(url(), 'POST', route, { ...(token ? { token } : {}), ...(json !== undefined ? { json } : {}) });
    if (!owners) elsewhere.push(r.text);
    return r;
  };
  const reveal = (contractId: string, token: string | undefined, body: Record<string, unknown>) => call(`/v1/contracts/${contractId}/reveal`, token, body);
  const refused = (contractId: string, token: string | undefined, body: Record<string, unknown>) => call(`/v1/contracts/${contractId}/reveal`, token, body, false);
  const chat = (contractId: string, token: string, content: string) =>
    call(`/v1/egress/${contractId}/chat/completions`, token, { model: 'gpt-test', purpose: 'customer-support', messages: [{ role: 'user', content }] });
  const egressContract = async () => {
    const contract = await proposeContract(url(), owner, { kind: 'ai_egress', recipientId: model.id, purposes: ['customer-support'], destination: { country: 'US', location: 'Oregon' } });
    await approveContract(url(), owner, contract);
    return contract;
  };
  const transfer = async (contract: ContractFixture) => {
    const created = await call('/v1/transfers', recipient.token, { contractId: contract.id, purpose: 'analytics' }, false);
    expect(created.status, created.text).toBe(201);
    const pkg = await fetch(`${url()}/v1/transfers/${created.body.id}/package`, { headers: { authorization: `Bearer ${recipient.token}` } });
    const { records } = openPackage(new Uint8Array(await pkg.arrayBuffer()), recipient.keys.privateKey);
    return new TextDecoder().decode(records).trim().split('\n').map((l) => JSON.parse(l) as Delivered);
  };

  beforeAll(async () => {
    provider = await startModelProvider();
    const { adminToken } = harness();
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-reveal-'));
    owner = await registerParty(url(), adminToken, { name: 'Shop', kind: 'domestic', jurisdiction: 'CN' });
    otherOwner = await registerParty(url(), adminToken, { name: 'Other shop', kind: 'domestic', jurisdiction: 'CN' });
    recipient = await registerParty(url(), adminToken, { name: 'Partner', kind: 'overseas', jurisdiction: 'SG' });
    model = await registerParty(url(), adminToken, { name: 'Model Co', kind: 'overseas', jurisdiction: 'US', endpoint: provider.url });
    regulator = await registerParty(url(), adminToken, { name: 'CAC', kind: 'regulator', jurisdiction: 'CN' });
    const year = new Date().getFullYear();
    const filing = await call('/v1/compliance/filings', owner.token, { mechanism: 'standard_contract', reference: 'ZJ-SC-2026-0042', validFrom: `${year - 1}-01-01`, validUntil: `${year + 1}-12-31` });
    expect(filing.status, filing.text).toBe(201);

    egress = await egressContract();
    const answer = await chat(egress.id, owner.token, PROMPT);
    expect(answer.status, answer.text).toBe(200);
    sentPrompt = (JSON.parse(provider.bodies.at(-1)!) as { messages: { content: string }[] }).messages[0]!.content;

    const fields = [
      { name: 'phone', type: 'string', category: 'personal', subject: true },
      { name: 'note', type: 'string', category: 'personal' },
      { name: 'account', type: 'string', category: 'personal' },
      { name: 'city', type: 'string', category: 'general' },
      { name: 'remark', type: 'string', category: 'personal' },
    ];
    datasetId = (await call('/v1/datasets', owner.token, { name: 'refunds', fields })).body.id;
    expect((await call(`/v1/datasets/${datasetId}/records`, owner.token, rows)).body).toEqual({ inserted: rows.length });
    data = await proposeContract(url(), owner, {
      datasetId,
      recipientId: recipient.id,
      fields: {
        phone: { transform: 'tokenize' },
        note: { transform: 'redact', mode: 'token' },
        account: { transform: 'encrypt' },
        city: { transform: 'encrypt', alg: 'AES-256-GCM' },
        remark: { transform: 'redact' },
      },
    });
    await approveContract(url(), owner, data);
    delivered = await transfer(data);
  }, 120_000);

  afterAll(async () => {
    await provider?.close();
  });

  it('restores the prompt an overseas model saw, and records the call on the ledger with counts only', async () => {
    for (const value of ['欧阳靖远', '330106198512032417', '13957112345']) expect(sentPrompt).not.toContain(value);
    const r = await reveal(egress.id, owner.token, { values: [sentPrompt, `已记录：${sentPrompt}`] });
    expect(r.status, r.text).toBe(200);
    expect(r.body.values).toEqual([PROMPT, `已记录：${PROMPT}`]);
    expect(r.body).toMatchObject({ restored: 10, unrestored: 0, entities: { address: 2, bank_card: 2, cn_mobile: 2, cn_resident_id: 2, name: 2 } });
    const record = await api(url(), 'GET', `/v1/ledger/records/${r.body.ledger.recordId}`, { token: regulator.token });
    elsewhere.push(record.text);
    expect(record.body.record).toMatchObject({
      type: 'audit.event',
      contractId: egress.id,
      exporterId: owner.id,
      data: { event: 'values.revealed', actor: owner.id, transform: 'redact', field: null, values: 2, restored: 10, unrestored: 0, entities: { name: 2 } },
    });
    expect((await call('/v1/ledger/verify', regulator.token, { record: record.body.record, proof: record.body.proof }, false)).body).toEqual({ valid: true });
  });

  it('reverses a data contract’s tokenize, encrypt and redact fields, each named with the transform the terms give it', async () => {
    expect(delivered.map((d) => d.phone)).not.toContain(rows[0]!.phone);
    const phones = await reveal(data.id, owner.token, { field: 'phone', transform: 'tokenize', values: delivered.map((d) => d.phone) });
    expect(phones.status, phones.text).toBe(200);
    expect(phones.body).toMatchObject({ values: rows.map((r) => r.phone), restored: rows.length, unrestored: 0 });
    const accounts = await reveal(data.id, owner.token, { field: 'account', transform: 'encrypt', values: delivered.map((d) => d.account) });
    expect(accounts.body).toMatchObject({ values: rows.map((r) => r.account), restored: rows.length });
    const cities = await reveal(data.id, owner.token, { field: 'city', transform: 'encrypt', values: delivered.map((d) => d.city) });
    expect(cities.body.values).toEqual(rows.map((r) => r.city));
    const notes = await reveal(data.id, owner.token, { field: 'note', values: delivered.map((d) => d.note) });
    expect(notes.body.values).toEqual(rows.map((r) => r.note));
    expect(notes.body.entities).toMatchObject({ name: rows.length, cn_mobile: rows.length });
  });

  it('restores nothing from a forged or altered value, another field’s or another contract’s', async () => {
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);
    const token = /\[NAME:[a-z2-7]+\]/.exec(sentPrompt)![0];
    const altered = await reveal(egress.id, owner.token, { values: [`客户${flip(token, 8)}`, '[NAME:aaaaaaaaaaaaaaaaaaaaaaa]'] });
    expect(altered.body).toMatchObject({ values: [`客户${flip(token, 8)}`, '[NAME:aaaaaaaaaaaaaaaaaaaaaaa]'], restored: 0, unrestored: 2 });
    // FF1 has no tag: an altered token reverses to some number, which the dataset does not hold.
    const phone = delivered[0]!.phone;
    const otherDigit = phone.slice(0, -1) + String((Number(phone.at(-1)) + 1) % 10);
    const forgedPhones = await reveal(data.id, owner.token, { field: 'phone', transform: 'tokenize', values: [otherDigit, '13800000000', 'not a token', phone] });
    expect(forgedPhones.body).toMatchObject({ values: [null, null, null, rows[0]!.phone], restored: 1, unrestored: 3 });
    const account = delivered[0]!.account;
    const bytes = Buffer.from(account, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    const forgedAccounts = await reveal(data.id, owner.token, { field: 'account', transform: 'encrypt', values: [bytes.toString('base64'), 'AAAA', delivered[1]!.city] });
    expect(forgedAccounts.body).toMatchObject({ values: [null, null, null], restored: 0, unrestored: 3 });
    // A ciphertext named under another field fails its authentication: the field name is bound in.
    expect((await reveal(data.id, owner.token, { field: 'city', transform: 'encrypt', values: [account] })).body.values).toEqual([null]);
    // Another contract of the same owner has its own key.
    const second = await egressContract();
    expect((await reveal(second.id, owner.token, { values: [sentPrompt] })).body).toMatchObject({ values: [sentPrompt], restored: 0, unrestored: 5 });
  });

  it('takes only what the signed terms make reversible', async () => {
    const bad = async (contractId: string, body: Record<string, unknown>, field: string) => {
      const r = await refused(contractId, owner.token, body);
      expect([r.status, r.body.error.code, r.body.error.details?.field], r.text).toEqual([400, 'VALIDATION_FAILED', field]);
    };
    await bad(data.id, { values: ['x'] }, 'field');
    await bad(data.id, { field: 'nope', values: ['x'] }, 'field');
    await bad(data.id, { field: 'constructor', values: ['x'] }, 'field');
    await bad(data.id, { field: 'phone', transform: 'encrypt', values: ['x'] }, 'transform');
    await bad(data.id, { field: 'phone', values: ['x'] }, 'transform');
    await bad(data.id, { field: 'remark', values: ['x'] }, 'transform');
    await bad(egress.id, { field: 'note', values: ['x'] }, 'field');
    await bad(egress.id, { transform: 'tokenize', values: ['x'] }, 'transform');
    const tooMany = await refused(data.id, owner.token, { values: Array.from({ length: 1001 }, () => 'x') });
    expect(tooMany.status).toBe(400);
  });

  it('refuses the recipient, the model provider, another owner, a regulator, the admin and nobody', async () => {
    const body = { values: [sentPrompt] };
    for (const [who, token, status] of [
      ['recipient', recipient.token, 403],
      ['provider', model.token, 403],
      ['other owner', otherOwner.token, 403],
      ['regulator', regulator.token, 403],
      ['admin', harness().adminToken, 403],
      ['nobody', undefined, 401],
    ] as const) {
      const r = await refused(egress.id, token, body);
      expect([r.status, r.body.error.code], who).toEqual([status, status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN']);
    }
    const theirs = await refused(data.id, recipient.token, { field: 'phone', transform: 'tokenize', values: delivered.map((d) => d.phone) });
    expect(theirs.status).toBe(403);
    const pending = await proposeContract(url(), owner, { kind: 'ai_egress', recipientId: model.id, purposes: ['x'], destination: { country: 'US', location: 'Oregon' } });
    const notApproved = await refused(pending.id, owner.token, body);
    expect([notApproved.status, notApproved.body.error.code]).toEqual([403, 'CONTRACT_NOT_APPROVED']);
  });

  it('reveals nothing while the KMS is down (503)', async () => {
    await harness().kms.stop('SIGKILL');
    try {
      const down = await refused(egress.id, owner.token, { values: [sentPrompt] });
      expect([down.status, down.body.error.code]).toEqual([503, 'KMS_UNAVAILABLE']);
    } finally {
      await harness().kms.start();
    }
    expect((await reveal(egress.id, owner.token, { values: [sentPrompt] })).body.values).toEqual([PROMPT]);
  });

  it('still restores after a plain revocation, and nothing once the contract is revoked and shredded (410)', async () => {
    const revoked = await egressContract();
    await chat(revoked.id, owner.token, PROMPT);
    const sent = (JSON.parse(provider.bodies.at(-1)!) as { messages: { content: string }[] }).messages[0]!.content;
    expect((await call(`/v1/contracts/${revoked.id}/revoke`, owner.token, {})).status).toBe(200);
    expect((await reveal(revoked.id, owner.token, { values: [sent] })).body.values).toEqual([PROMPT]);

    const shredded = await egressContract();
    await chat(shredded.id, owner.token, PROMPT);
    const gone = (JSON.parse(provider.bodies.at(-1)!) as { messages: { content: string }[] }).messages[0]!.content;
    expect((await call(`/v1/contracts/${shredded.id}/revoke`, owner.token, { shred: true })).body).toEqual({ status: 'revoked', shredded: true });
    const r = await refused(shredded.id, owner.token, { values: [gone] });
    expect([r.status, r.body.error.code]).toEqual([410, 'KEY_DESTROYED']);

    // An owner-scoped FF1 key outlives any one contract; the shredded contract still restores nothing.
    const scoped = await proposeContract(url(), owner, { datasetId, recipientId: recipient.id, fields: { phone: { transform: 'tokenize', scope: 'owner' } } });
    await approveContract(url(), owner, scoped);
    const scopedPhones = (await transfer(scoped)).map((d) => d.phone);
    expect((await reveal(scoped.id, owner.token, { field: 'phone', transform: 'tokenize', values: scopedPhones })).body.restored).toBe(rows.length);
    await call(`/v1/contracts/${scoped.id}/revoke`, owner.token, { shred: true });
    const after = await refused(scoped.id, owner.token, { field: 'phone', transform: 'tokenize', values: scopedPhones });
    expect([after.status, after.body.error.code]).toEqual([410, 'KEY_DESTROYED']);
  });

  it('`sluice reveal` restores a file for the owner into a file only it can read, and refuses the recipient', async () => {
    fs.writeFileSync(path.join(cwd, 'answer.txt'), `${sentPrompt}\n\n[NAME:aaaaaaaaaaaaaaaaaaaaaaa]\n`);
    const env = (party: PartyFixture) => ({ SLUICE_URL: url(), SLUICE_TOKEN: party.token });
    const run = await runCliInProcess(['reveal', egress.id, '--in', 'answer.txt', '--out', 'restored.txt'], { env: env(owner), cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'restored.txt'), 'utf8')).toBe(`${PROMPT}\n\n[NAME:aaaaaaaaaaaaaaaaaaaaaaa]\n`);
    expect(fs.statSync(path.join(cwd, 'restored.txt')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(run.stderr)).toMatchObject({ values: 3, restored: 5, unrestored: 1, ledger: [expect.stringMatching(/^rec_/)] });

    fs.writeFileSync(path.join(cwd, 'phones.txt'), delivered.map((d) => d.phone).join('\r\n'));
    const phones = await runCliInProcess(['reveal', data.id, '--in', 'phones.txt', '--field', 'phone', '--transform', 'tokenize', '--gateway', url(), '--token', owner.token], { cwd });
    expect(phones.code, phones.stderr).toBe(0);
    expect(phones.stdout).toBe(rows.map((r) => r.phone).join('\n') + '\n');

    const theirs = await runCliInProcess(['reveal', egress.id, '--in', 'answer.txt'], { env: env(recipient), cwd });
    expect([theirs.code, theirs.stdout]).toEqual([1, '']);
    expect(theirs.stderr).toContain('FORBIDDEN');
    elsewhere.push(theirs.stderr);
    const usage = await runCliInProcess(['reveal', egress.id, '--transform', 'hash'], { env: env(owner), cwd });
    expect(usage.code).toBe(2);
  });

  it('lists the AI egress calls in the annual report, JSON and Markdown', async () => {
    const year = new Date().getFullYear();
    const report = await api(url(), 'GET', `/v1/reports/annual?year=${year}`, { token: owner.token });
    expect(report.status, report.text).toBe(200);
    const calls = provider.bodies.length;
    expect(report.body.exporters[0].aiEgress).toMatchObject({
      calls,
      entities: { address: calls, bank_card: calls, cn_mobile: calls, cn_resident_id: calls, name: calls },
      persons: { personal: 3 * calls, sensitive: 2 * calls },
      exempt: { calls: 0 },
      providers: [
        {
          id: model.id,
          name: 'Model Co',
          jurisdiction: 'US',
          destination: { country: 'US', location: 'Oregon' },
          endpoints: [provider.url],
          models: ['gpt-test'],
          purposes: ['customer-support'],
          calls,
          mechanisms: [{ mechanism: 'standard_contract_or_certification', calls, filingReferences: ['ZJ-SC-2026-0042'], rules: expect.arrayContaining(['R-SC2']) }],
        },
      ],
    });
    const markdown = await fetch(`${url()}/v1/reports/annual?year=${year}&exporter=${owner.id}`, { headers: { authorization: `Bearer ${regulator.token}`, accept: 'text/markdown' } });
    const text = await markdown.text();
    elsewhere.push(text);
    expect(text).toContain('Overseas model providers (AI egress');
    expect(text).toContain(`| Model Co | US | US, Oregon | ${provider.url} | gpt-test | customer-support | ${calls} |`);
    expect(text).toContain(`Prompts to overseas models (AI egress): ${calls} calls`);
  });

  it('leaves no planted value in the ledger, in answers to anyone else, or in any file at rest', async () => {
    await harness().gateway.ctx.relay.drain();
    const outbox = (await harness().gateway.ctx.db.selectFrom('outbox').select('record').execute()).map((r) => r.record).join('\n');
    const places: [string, string][] = [
      ['the ledger outbox', outbox],
      ['answers to others', elsewhere.join('\n')],
      ...filesUnder(harness().dataDir).map((file): [string, string] => [file, fs.readFileSync(file).toString('latin1') + fs.readFileSync(file, 'utf8')]),
    ];
    for (const [where, text] of places) for (const value of PLANTED) expect(text.includes(value), `${value} found in ${where}`).toBe(false);
  });

  it('is rate limited like every route: 429 RATE_LIMITED', async () => {
    let last = { status: 0, body: undefined as any };
    for (let i = 0; i <= RATE_LIMIT && last.status !== 429; i++) last = await api(url(), 'POST', `/v1/contracts/${egress.id}/reveal`, { token: owner.token, json: {} });
    expect([last.status, last.body.error.code]).toEqual([429, 'RATE_LIMITED']);
  });
});
