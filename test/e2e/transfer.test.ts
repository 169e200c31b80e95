import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import smCrypto from 'sm-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { filesUnder } from '../support/files.ts';
import { api } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';

const canonicalizeReference = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string;

/** Planted personal values: none may ever appear in packages, logs, errors or files at rest. */
const CANARY = {
  name: 'CANARY张三丰',
  phone: '13987654321',
  idCard: '11010519491231002X',
  email: 'canary-7f3a9@example.cn',
};

const records = [
  { name: CANARY.name, phone: CANARY.phone, id_card: CANARY.idCard, email: CANARY.email, age: 37, city: 'Shanghai', birth: '1989-04-02' },
  { name: '李四', phone: '13700000002', id_card: '110105194912310037', email: 'li@example.cn', age: 52, city: 'Beijing', birth: '1974-01-15' },
];

const fields = [
  { name: 'name', type: 'string', category: 'personal' },
  { name: 'phone', type: 'string', category: 'personal', subject: true },
  { name: 'id_card', type: 'string', category: 'sensitive' },
  { name: 'email', type: 'string', category: 'personal' },
  { name: 'age', type: 'number', category: 'general' },
  { name: 'city', type: 'string', category: 'general' },
  { name: 'birth', type: 'date', category: 'personal' },
];

const contractFields = {
  name: { transform: 'mask', keepStart: 1, keepEnd: 0 },
  phone: { transform: 'hash' },
  id_card: { transform: 'encrypt' },
  age: { transform: 'generalize', step: 10 },
  city: { transform: 'keep' },
  birth: { transform: 'nullify' },
};

/** Signs exactly as SURFACE promises, with independent libraries (sm-crypto + canonicalize). */
function signTerms(terms: unknown, privateKey: string): string {
  const jcs = canonicalizeReference(terms) as string;
  return smCrypto.sm2.doSignature(jcs, privateKey, { hash: true, der: true });
}

describe('a transfer end to end through the started stack', () => {
  let stack: Stack;
  let work: string;
  const keys: Record<string, { privateKey: string; publicKey: string }> = {};
  const parties: Record<string, { id: string; token: string }> = {};
  let datasetId: string;
  const errorBodies: string[] = [];

  const call = async (method: string, route: string, token: string | undefined, json?: unknown) => {
    const response = await api(stack.gatewayUrl, method, route, { ...(token ? { token } : {}), ...(json !== undefined ? { json } : {}) });
    if (response.status >= 400) errorBodies.push(response.text);
    return response;
  };

  const proposeContract = async (overrides: Record<string, unknown> = {}) => {
    const response = await call('POST', '/v1/contracts', parties.owner!.token, {
      datasetId,
      recipientId: parties.recipient!.id,
      purposes: ['credit-risk-model'],
      legalBasis: 'contract',
      fields: contractFields,
      validUntil: new Date(Date.now() + 86_400_000).toISOString(),
      retentionDays: 365,
      onwardTransfer: false,
      destination: { country: 'SG', location: 'Singapore DC-1' },
      maxRecordsPerTransfer: 1000,
      ...overrides,
    });
    expect(response.status, response.text).toBe(201);
    return response.body as { id: string; terms: Record<string, unknown>; digest: string };
  };

  const approve = async (contract: { id: string; terms: unknown }) => {
    const response = await call('POST', `/v1/contracts/${contract.id}/approve`, parties.owner!.token, {
      signature: signTerms(contract.terms, keys.owner!.privateKey),
    });
    expect(response.status, response.text).toBe(200);
    return response.body;
  };

  beforeAll(async () => {
    stack = await startStack({ SLUICE_BODY_LIMIT: String(256 * 1024), SLUICE_UPLOAD_LIMIT: String(256 * 1024), SLUICE_TRANSFER_SYNC_RECORDS: '4' });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-'));
    for (const who of ['owner', 'recipient', 'stranger']) {
      const out = await runCli(['keygen', '--out', path.join(work, `${who}.json`)]);
      expect(out.code, out.stderr).toBe(0);
      keys[who] = JSON.parse(fs.readFileSync(path.join(work, `${who}.json`), 'utf8'));
      expect(JSON.parse(out.stdout)).toEqual({ alg: 'sm2', publicKey: keys[who]!.publicKey });
    }
    const register = async (name: string, body: Record<string, unknown>) => {
      const response = await call('POST', '/v1/parties', stack.adminToken, body);
      expect(response.status, response.text).toBe(201);
      parties[name] = response.body;
    };
    await register('owner', { name: 'Shanghai Bank', kind: 'domestic', jurisdiction: 'CN', publicKey: keys.owner!.publicKey });
    await register('recipient', { name: 'SG Analytics', kind: 'overseas', jurisdiction: 'SG', publicKey: keys.recipient!.publicKey });
    await register('stranger', { name: 'Other Co', kind: 'overseas', jurisdiction: 'US', publicKey: keys.stranger!.publicKey });
    await register('regulator', { name: 'CAC Shanghai', kind: 'regulator', jurisdiction: 'CN' });
    // Sensitive PI (the ID card) leaves, so R-SC2 requires a filed standard contract.
    const year = new Date().getUTCFullYear();
    const filing = await call('POST', '/v1/compliance/filings', parties.owner!.token, {
      mechanism: 'standard_contract',
      reference: 'SH-SC-E2E-1',
      validFrom: `${year - 1}-01-01`,
      validUntil: `${year + 1}-12-31`,
    });
    expect(filing.status, filing.text).toBe(201);
    const dataset = await call('POST', '/v1/datasets', parties.owner!.token, { name: 'customers', fields });
    expect(dataset.status, dataset.text).toBe(201);
    datasetId = dataset.body.id;
    const upload = await call('POST', `/v1/datasets/${datasetId}/records`, parties.owner!.token, records);
    expect(upload.status, upload.text).toBe(200);
    expect(upload.body).toEqual({ inserted: 2 });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers /healthz on the gateway and the KMS', async () => {
    expect((await api(stack.gatewayUrl, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await api(stack.kmsUrl, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
  });

  it('accepts NDJSON and CSV uploads too', async () => {
    const ndjson = await api(stack.gatewayUrl, 'POST', `/v1/datasets/${datasetId}/records`, {
      token: parties.owner!.token,
      raw: JSON.stringify({ name: '王五', phone: '13600000003', age: 41, city: 'Hangzhou' }) + '\n',
      contentType: 'application/x-ndjson',
    });
    expect(ndjson.status, ndjson.text).toBe(200);
    const csv = await api(stack.gatewayUrl, 'POST', `/v1/datasets/${datasetId}/records`, {
      token: parties.owner!.token,
      raw: 'name,phone,age,city\n赵六,13500000004,29,"Shenzhen, Nanshan"\n',
      contentType: 'text/csv',
    });
    expect(csv.status, csv.text).toBe(200);
    expect(csv.body).toEqual({ inserted: 1 });
    const meta = await call('GET', `/v1/datasets/${datasetId}`, parties.owner!.token);
    expect(meta.body.records).toBe(4);
    expect(meta.text).not.toContain(CANARY.phone);
  });

  it('delivers exactly the contract fields, transformed as agreed, to the recipient only', async () => {
    const contract = await proposeContract();
    expect(contract.terms.contractId).toBe(contract.id);
    const approved = await approve(contract);
    expect(approved.status).toBe('approved');
    expect(approved.ledger.anchored).toBe(true);

    const transfer = await call('POST', '/v1/transfers', parties.recipient!.token, { contractId: contract.id, purpose: 'credit-risk-model' });
    expect(transfer.status, transfer.text).toBe(201);
    expect(transfer.body).toMatchObject({ status: 'completed', records: 4, subjects: 4 });
    expect(transfer.body.receipt.data).toMatchObject({ mechanism: 'standard_contract_or_certification', filingReference: 'SH-SC-E2E-1' });

    const pkg = await fetch(`${stack.gatewayUrl}/v1/transfers/${transfer.body.id}/package`, {
      headers: { authorization: `Bearer ${parties.recipient!.token}` },
    });
    expect(pkg.status).toBe(200);
    const packageBytes = Buffer.from(await pkg.arrayBuffer());
    for (const value of Object.values(CANARY)) expect(packageBytes.includes(Buffer.from(value))).toBe(false);
    const packageFile = path.join(work, 'package.json');
    fs.writeFileSync(packageFile, packageBytes);

    const opened = await runCli(['open', packageFile, '--key', path.join(work, 'recipient.json')]);
    expect(opened.code, opened.stderr).toBe(0);
    const rows = opened.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(['age', 'birth', 'city', 'id_card', 'name', 'phone']);
    const first = rows[0];
    expect(first.name).toBe('C' + '*'.repeat([...CANARY.name].length - 1));
    expect(first.phone).toMatch(/^[0-9a-f]{64}$/);
    expect(first.id_card).not.toContain(CANARY.idCard);
    expect(typeof first.id_card).toBe('string');
    expect(first.age).toBe('30-39');
    expect(first.city).toBe('Shanghai');
    expect(first.birth).toBeNull();
    expect(rows[3].city).toBe('Shenzhen, Nanshan');
    expect(opened.stdout).not.toContain(CANARY.email);

    const strangerOpen = await runCli(['open', packageFile, '--key', path.join(work, 'stranger.json')]);
    expect(strangerOpen.code).toBe(1);
    expect(strangerOpen.stdout).toBe('');

    const receipt = await call('GET', `/v1/transfers/${transfer.body.id}/receipt`, parties.regulator!.token);
    expect(receipt.status, receipt.text).toBe(200);
    expect(receipt.text).not.toContain(CANARY.phone);
    const receiptFile = path.join(work, 'receipt.json');
    fs.writeFileSync(receiptFile, receipt.text);
    expect((await runCli(['verify', receiptFile])).code).toBe(3);
    const regulatorEnv = { SLUICE_TOKEN: parties.regulator!.token, SLUICE_TRUST_STORE: path.join(work, 'anchors.json') };
    const pinned = await runCli(['trust', 'pin', stack.gatewayUrl], regulatorEnv);
    expect(pinned.code, pinned.stdout + pinned.stderr).toBe(0);
    const verified = await runCli(['verify', receiptFile], regulatorEnv);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const tampered = JSON.parse(receipt.text);
    tampered.receipt.data.records = 3;
    fs.writeFileSync(receiptFile, JSON.stringify(tampered));
    expect((await runCli(['verify', receiptFile], regulatorEnv)).code).toBe(1);
    const online = await call('POST', '/v1/ledger/verify', parties.regulator!.token, JSON.parse(receipt.text));
    expect(online.body).toEqual({ valid: true });
  });

  it('refuses with the SURFACE codes', async () => {
    const pending = await proposeContract();
    const transferOn = (id: string, purpose = 'credit-risk-model', token = parties.recipient!.token, extra = {}) =>
      call('POST', '/v1/transfers', token, { contractId: id, purpose, ...extra });

    const unapproved = await transferOn(pending.id);
    expect([unapproved.status, unapproved.body.error.code]).toEqual([403, 'CONTRACT_NOT_APPROVED']);

    const badSignature = await call('POST', `/v1/contracts/${pending.id}/approve`, parties.owner!.token, {
      signature: signTerms(pending.terms, keys.stranger!.privateKey),
    });
    expect([badSignature.status, badSignature.body.error.code]).toEqual([400, 'SIGNATURE_INVALID']);
    const otherTerms = { ...pending.terms, purposes: ['marketing'] };
    const wrongTerms = await call('POST', `/v1/contracts/${pending.id}/approve`, parties.owner!.token, {
      signature: signTerms(otherTerms, keys.owner!.privateKey),
    });
    expect(wrongTerms.body.error.code).toBe('SIGNATURE_INVALID');

    await approve(pending);
    const wrongPurpose = await transferOn(pending.id, 'marketing');
    expect([wrongPurpose.status, wrongPurpose.body.error.code]).toEqual([403, 'PURPOSE_NOT_ALLOWED']);
    const overCap = await transferOn(pending.id, 'credit-risk-model', parties.recipient!.token, { limit: 5000 });
    expect([overCap.status, overCap.body.error.code]).toEqual([403, 'QUOTA_EXCEEDED']);

    const stranger = await transferOn(pending.id, 'credit-risk-model', parties.stranger!.token);
    expect([stranger.status, stranger.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await call('GET', `/v1/contracts/${pending.id}`, parties.stranger!.token)).status).toBe(403);
    expect((await call('GET', `/v1/datasets/${datasetId}`, parties.stranger!.token)).status).toBe(403);
    const ok = await transferOn(pending.id);
    expect(ok.status).toBe(201);
    expect((await call('GET', `/v1/transfers/${ok.body.id}/receipt`, parties.stranger!.token)).status).toBe(403);
    expect((await call('GET', `/v1/transfers/${ok.body.id}/package`, parties.stranger!.token)).status).toBe(403);
    expect((await call('GET', `/v1/transfers/${ok.body.id}/package`, parties.owner!.token)).status).toBe(403);
    const foreignUpload = await call('POST', `/v1/datasets/${datasetId}/records`, parties.recipient!.token, records);
    expect(foreignUpload.status).toBe(403);

    // A JSON content type with an empty body is "no body", as clients commonly send it.
    const revoke = await api(stack.gatewayUrl, 'POST', `/v1/contracts/${pending.id}/revoke`, { token: parties.owner!.token, raw: '' });
    expect(revoke.body.status).toBe('revoked');
    const revoked = await transferOn(pending.id);
    expect([revoked.status, revoked.body.error.code]).toEqual([403, 'CONTRACT_REVOKED']);

    const shortLived = await proposeContract({
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validUntil: new Date(Date.now() + 1500).toISOString(),
    });
    await approve(shortLived);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await transferOn(shortLived.id);
    expect([expired.status, expired.body.error.code]).toEqual([403, 'CONTRACT_EXPIRED']);

    const missing = await api(stack.gatewayUrl, 'POST', '/v1/transfers', { json: { contractId: pending.id, purpose: 'x' } });
    expect([missing.status, missing.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const invalid = await api(stack.gatewayUrl, 'GET', `/v1/contracts/${pending.id}`, { token: 'slc_not-a-real-token-at-all' });
    expect([invalid.status, invalid.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const malformed = await api(stack.gatewayUrl, 'POST', '/v1/transfers', { token: parties.recipient!.token, raw: '{"contractId": ' });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const huge = await api(stack.gatewayUrl, 'POST', `/v1/datasets/${datasetId}/records`, {
      token: parties.owner!.token,
      raw: JSON.stringify(Array.from({ length: 6000 }, () => ({ name: 'x'.repeat(60) }))),
    });
    expect([huge.status, huge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const hugeStream = await api(stack.gatewayUrl, 'POST', `/v1/datasets/${datasetId}/records`, {
      token: parties.owner!.token,
      raw: 'name,phone\n' + 'x,1\n'.repeat(80_000),
      contentType: 'text/csv',
    });
    expect([hugeStream.status, hugeStream.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);

    const canaryInBadInput = await call('POST', `/v1/datasets/${datasetId}/records`, parties.owner!.token, [{ age: CANARY.idCard, [CANARY.email]: 1 }]);
    expect(canaryInBadInput.status).toBe(400);
    expect(canaryInBadInput.body.error.code).toBe('VALIDATION_FAILED');
    for (const body of errorBodies) {
      expect(JSON.parse(body).error.code).toMatch(/^[A-Z_]+$/);
    }
  });

  it('runs a larger transfer in the background and serves its package in ranges, sealed end to end', async () => {
    const more = await api(stack.gatewayUrl, 'POST', `/v1/datasets/${datasetId}/records`, {
      token: parties.owner!.token,
      raw: JSON.stringify({ name: CANARY.name, phone: '13600000005', id_card: CANARY.idCard, email: CANARY.email, age: 61, city: 'Suzhou' }) + '\n',
      contentType: 'application/x-ndjson',
      headers: { 'idempotency-key': 'e2e-upload-5' },
    });
    expect(more.body).toEqual({ inserted: 1 });
    const contract = await proposeContract();
    await approve(contract);
    const body = { contractId: contract.id, purpose: 'credit-risk-model' };
    const accepted = await api(stack.gatewayUrl, 'POST', '/v1/transfers', { token: parties.recipient!.token, json: body, headers: { 'idempotency-key': 'e2e-transfer-5' } });
    expect([accepted.status, accepted.body.status], accepted.text).toEqual([202, 'running']);
    const retried = await api(stack.gatewayUrl, 'POST', '/v1/transfers', { token: parties.recipient!.token, json: body, headers: { 'idempotency-key': 'e2e-transfer-5' } });
    expect(retried.body).toEqual(accepted.body);
    const id = accepted.body.id as string;
    const events = await (await fetch(`${stack.gatewayUrl}/v1/transfers/${id}/events`, { headers: { authorization: `Bearer ${parties.recipient!.token}` } })).text();
    expect(events.trim().split('\n\n').at(-1)).toBe(`data: ${JSON.stringify({ id, status: 'completed', progress: 1, records: 5 })}`);

    const get = async (range: string) => {
      const response = await fetch(`${stack.gatewayUrl}/v1/transfers/${id}/package`, { headers: { authorization: `Bearer ${parties.recipient!.token}`, range } });
      expect(response.status).toBe(206);
      return Buffer.from(await response.arrayBuffer());
    };
    const packageBytes = Buffer.concat([await get('bytes=0-199'), await get('bytes=200-')]);
    for (const value of Object.values(CANARY)) expect(packageBytes.includes(Buffer.from(value))).toBe(false);
    const packageFile = path.join(work, 'background.sluice');
    fs.writeFileSync(packageFile, packageBytes);
    const opened = await runCli(['open', packageFile, '--key', path.join(work, 'recipient.json')]);
    expect(opened.code, opened.stderr).toBe(0);
    const rows = opened.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(rows).toHaveLength(5);
    expect(rows[4]).toMatchObject({ name: 'C' + '*'.repeat([...CANARY.name].length - 1), city: 'Suzhou', birth: null });
    for (const value of Object.values(CANARY)) expect(opened.stdout).not.toContain(value);
    const receipt = await call('GET', `/v1/transfers/${id}/receipt`, parties.regulator!.token);
    expect(receipt.body.receipt.data).toMatchObject({ records: 5, retentionDays: 365 });
  });

  it('never lets a canary reach error bodies, logs or files at rest', async () => {
    const sources: Array<[string, string]> = [
      ['error bodies', errorBodies.join('\n')],
      ['console output', stack.output()],
      ...filesUnder(stack.dataDir).map((file): [string, string] => [file, fs.readFileSync(file).toString('latin1')]),
    ];
    const leaks = sources.flatMap(([where, text]) =>
      Object.entries(CANARY)
        .filter(([, value]) => text.includes(value) || text.includes(Buffer.from(value).toString('latin1')))
        .map(([name]) => `${name} in ${where}`),
    );
    expect(leaks).toEqual([]);
  });
});
