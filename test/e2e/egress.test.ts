import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder } from '../support/files.ts';
import { approveContract, proposeContract, registerParty, type ContractFixture, type PartyFixture } from '../support/fixtures.ts';
import { api } from '../support/http.ts';
import { startModelProvider, type ModelProvider } from '../support/model-provider.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Planted values: each must reach the caller's answer and never the provider, the logs, the ledger or the disk.
const PLANTED = {
  name: '欧阳靖远',
  mobile: '13957112345',
  id: '330106198512032417',
  address: '浙江省杭州市西湖区文三路477号华星科技大厦8楼',
  card: '6222021202041234569',
  email: 'jingyuan.oy@example.cn',
};
const PROMPT = `客户${PLANTED.name}（身份证${PLANTED.id}）来电，手机${PLANTED.mobile}，邮箱${PLANTED.email}，住址：${PLANTED.address}，退款卡号${PLANTED.card}。请起草一封道歉信。`;

describe('AI egress through a real OpenAI-compatible provider', () => {
  let stack: Stack;
  let provider: ModelProvider;
  let owner: PartyFixture;
  let other: PartyFixture;
  let model: PartyFixture;
  let regulator: PartyFixture;
  let contract: ContractFixture;
  const responses: string[] = [];
  const call = async (route: string, token: string, json: unknown, headers: Record<string, string> = {}) => {
    const r = await api(stack.gatewayUrl, 'POST', route, { token, json, headers });
    responses.push(r.text);
    return r;
  };
  const chat = (contractId: string, token: string, extra: Record<string, unknown> = {}) =>
    call(`/v1/egress/${contractId}/chat/completions`, token, { model: 'gpt-test', purpose: 'customer-support', messages: [{ role: 'system', content: '你是客服助手' }, { role: 'user', content: PROMPT }], ...extra });
  const egressContract = async (who: PartyFixture, extra: Record<string, unknown> = {}) =>
    proposeContract(stack.gatewayUrl, who, { kind: 'ai_egress', recipientId: model.id, purposes: ['customer-support'], destination: { country: 'US', location: 'Oregon' }, ...extra });

  beforeAll(async () => {
    provider = await startModelProvider();
    stack = await startStack();
    owner = await registerParty(stack.gatewayUrl, stack.adminToken, { name: 'Shop', kind: 'domestic', jurisdiction: 'CN' });
    other = await registerParty(stack.gatewayUrl, stack.adminToken, { name: 'Other shop', kind: 'domestic', jurisdiction: 'CN' });
    model = await registerParty(stack.gatewayUrl, stack.adminToken, { name: 'Model Co', kind: 'overseas', jurisdiction: 'US', endpoint: provider.url });
    regulator = await registerParty(stack.gatewayUrl, stack.adminToken, { name: 'CAC', kind: 'regulator', jurisdiction: 'CN' });
    const year = new Date().getFullYear();
    const filing = await call('/v1/compliance/filings', owner.token, { mechanism: 'standard_contract', reference: 'ZJ-SC-2026-0007', validFrom: `${year - 1}-01-01`, validUntil: `${year + 1}-12-31` });
    expect(filing.status, filing.text).toBe(201);
    contract = await egressContract(owner);
    await approveContract(stack.gatewayUrl, owner, contract);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await provider?.close();
  });

  it('signs the prompt treatment into the terms and refuses dataset terms or an endpoint-less recipient', async () => {
    expect(contract.terms).toMatchObject({ kind: 'ai_egress', prompts: { transform: 'redact', mode: 'token' }, recipientId: model.id });
    expect(contract.terms).not.toHaveProperty('datasetId');
    const base = { kind: 'ai_egress', purposes: ['x'], legalBasis: 'contract', validUntil: '2099-01-01', retentionDays: 1, onwardTransfer: false, destination: { country: 'US', location: 'Oregon' } };
    const withFields = await call('/v1/contracts', owner.token, { ...base, recipientId: model.id, fields: { a: { transform: 'keep' } } });
    expect([withFields.status, withFields.body.error.details]).toEqual([400, { field: 'fields' }]);
    const plain = await registerParty(stack.gatewayUrl, stack.adminToken, { name: 'Lab', kind: 'overseas', jurisdiction: 'FR' });
    const noEndpoint = await call('/v1/contracts', owner.token, { ...base, recipientId: plain.id });
    expect([noEndpoint.status, noEndpoint.body.error.details]).toEqual([400, { field: 'recipientId' }]);
  });

  it('accepts only https endpoints, or http to a loopback address, and only on overseas parties', async () => {
    const party = (kind: string, endpoint: string) => call('/v1/parties', stack.adminToken, { name: 'P', kind, jurisdiction: kind === 'overseas' ? 'US' : 'CN', endpoint });
    expect((await party('overseas', 'http://api.example.com/v1')).status).toBe(400);
    expect((await party('overseas', 'https://user:pw@api.example.com/v1')).status).toBe(400);
    expect((await party('domestic', 'https://api.example.com/v1')).status).toBe(400);
    expect((await party('overseas', 'https://api.example.com/v1/')).status).toBe(201);
    expect((await party('overseas', 'http://[::1]:9/v1')).status).toBe(201);
  });

  it('sends only redacted text and restores the answer for the caller', async () => {
    const before = provider.bodies.length;
    const r = await chat(contract.id, owner.token);
    expect(r.status, r.text).toBe(200);
    const sent = provider.bodies.slice(before).join('\n');
    for (const value of Object.values(PLANTED)) {
      expect(sent).not.toContain(value);
      expect(r.body.choices[0].message.content).toContain(value);
    }
    expect(sent).toMatch(/\[NAME:[a-z2-7]+\]/);
    expect(sent).not.toContain('customer-support');
    expect(r.body.choices[0].message.content).toBe(`已记录：${PROMPT}`);
    // Deterministic per contract: the same prompt leaves as the same redacted text.
    await chat(contract.id, owner.token);
    expect(provider.bodies.at(-1)).toBe(provider.bodies[before]);
  });

  it('streams, restoring tokens split across chunks', async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/egress/${contract.id}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', purpose: 'customer-support', stream: true, messages: [{ role: 'user', content: PROMPT }] }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    responses.push(text);
    const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    expect(events.at(-1)).toBe('[DONE]');
    const content = events.slice(0, -1).map((e) => JSON.parse(e).choices[0].delta.content ?? '').join('');
    expect(content).toBe(`已记录：${PROMPT}`);
    // The provider's own pieces split tokens: no single piece held a whole one.
    expect(provider.bodies.at(-1)).toMatch(/\[CN_RESIDENT_ID:[a-z2-7]{20,}\]/);
  });

  it('anchors an egress record with counts per kind, never values, and counts the persons for compliance', async () => {
    const r = await chat(contract.id, owner.token);
    const egressId = r.headers.get('x-sluice-egress-id')!;
    const record = await api(stack.gatewayUrl, 'GET', `/v1/ledger/records/${egressId}`, { token: regulator.token });
    expect(record.status, record.text).toBe(200);
    responses.push(record.text);
    expect(record.body.record).toMatchObject({
      type: 'egress',
      contractId: contract.id,
      exporterId: owner.id,
      data: {
        recipientId: model.id,
        purpose: 'customer-support',
        model: 'gpt-test',
        entities: { address: 1, bank_card: 1, cn_mobile: 1, cn_resident_id: 1, email: 1, name: 1 },
        subjects: { personal: 4, sensitive: 2 },
        mechanism: 'standard_contract_or_certification',
        filingReference: 'ZJ-SC-2026-0007',
      },
    });
    const verified = await call('/v1/ledger/verify', regulator.token, { record: record.body.record, proof: record.body.proof });
    expect(verified.body).toEqual({ valid: true });
    // The same persons again are the same persons: counted once.
    const status = await api(stack.gatewayUrl, 'GET', `/v1/compliance/status?year=${new Date().getFullYear()}`, { token: owner.token });
    expect(status.body).toMatchObject({ personal: 4, sensitive: 2 });
  });

  it('refuses like any transfer, and nothing reaches the provider', async () => {
    const before = provider.bodies.length;
    const purpose = await chat(contract.id, owner.token, { purpose: 'marketing' });
    expect([purpose.status, purpose.body.error.code]).toEqual([403, 'PURPOSE_NOT_ALLOWED']);
    expect((await chat(contract.id, other.token)).body.error.code).toBe('FORBIDDEN');
    expect((await chat(contract.id, model.token)).body.error.code).toBe('FORBIDDEN');
    const tools = await chat(contract.id, owner.token, { tools: [{ type: 'function', function: { name: PLANTED.name } }] });
    expect([tools.status, tools.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const image = await call(`/v1/egress/${contract.id}/chat/completions`, owner.token, { model: 'm', purpose: 'customer-support', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] }] });
    expect(image.status).toBe(400);

    const pending = await egressContract(owner);
    expect((await chat(pending.id, owner.token)).body.error.code).toBe('CONTRACT_NOT_APPROVED');
    const expiring = await egressContract(owner, { validUntil: new Date(Date.now() + 1500).toISOString() });
    await approveContract(stack.gatewayUrl, owner, expiring);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await chat(expiring.id, owner.token)).body.error.code).toBe('CONTRACT_EXPIRED');
    const revoked = await egressContract(owner);
    await approveContract(stack.gatewayUrl, owner, revoked);
    await call(`/v1/contracts/${revoked.id}/revoke`, owner.token, {});
    expect((await chat(revoked.id, owner.token)).body.error.code).toBe('CONTRACT_REVOKED');
    // Sensitive PI (a resident ID) needs a standard contract or certification (R-SC2); this owner filed none.
    const unfiled = await egressContract(other);
    await approveContract(stack.gatewayUrl, other, unfiled);
    const blocked = await chat(unfiled.id, other.token);
    expect([blocked.status, blocked.body.error.code, blocked.body.error.details.mechanism]).toEqual([403, 'COMPLIANCE_BLOCKED', 'standard_contract_or_certification']);
    // A data contract's route refuses an egress contract.
    const transfer = await call('/v1/transfers', model.token, { contractId: contract.id, purpose: 'customer-support' });
    expect(transfer.status).toBe(400);
    expect(provider.bodies.length).toBe(before);
  });

  it('answers a provider failure with 502, without the provider words, and forwards the provider key', async () => {
    provider.failNext = true;
    const r = await chat(contract.id, owner.token);
    expect([r.status, r.body.error.code]).toEqual([502, 'PROVIDER_UNAVAILABLE']);
    expect(r.text).not.toContain('bad prompt');
    await call(`/v1/egress/${contract.id}/chat/completions`, owner.token, { model: 'm', purpose: 'customer-support', messages: [{ role: 'user', content: 'hi' }] }, { 'x-provider-authorization': 'Bearer sk-provider-secret-0001' });
    expect(provider.headers.at(-1)!.authorization).toBe('Bearer sk-provider-secret-0001');
  });

  it('leaves no planted value in responses to other parties, errors, logs, the ledger or any file at rest', async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const restored = responses.filter((t) => t.includes('已记录'));
    const elsewhere = responses.filter((t) => !t.includes('已记录')).join('\n');
    expect(restored.length).toBeGreaterThan(0);
    const places: [string, string][] = [
      ['responses other than the restored answers', elsewhere],
      ['supervisor output', stack.output()],
      ...filesUnder(stack.dataDir).map((file): [string, string] => [file, fs.readFileSync(file).toString('latin1') + fs.readFileSync(file, 'utf8')]),
    ];
    for (const [where, text] of places) {
      for (const value of [...Object.values(PLANTED), 'sk-provider-secret-0001']) {
        expect(text.includes(value), `${value} found in ${where}`).toBe(false);
      }
    }
  });
});
