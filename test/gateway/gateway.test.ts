import { describe, expect, it } from 'vitest';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { engines, useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

const fields = [
  { name: 'customer_id', type: 'string', category: 'personal', subject: true },
  { name: 'mobile', type: 'string', category: 'personal' },
  { name: 'balance', type: 'number', category: 'general' },
];

const rows = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => ({ customer_id: `C${offset + i}`, mobile: `139${String(offset + i).padStart(8, '0')}`, balance: i * 10 }));

describe.each(engines())('gateway on %s', (engine) => {
  const harness = useGateway(engine);
  let owner: PartyFixture;
  let recipient: PartyFixture;
  let datasetId: string;
  const call = (method: string, route: string, token?: string, json?: unknown) =>
    api(harness().url, method, route, { ...(token ? { token } : {}), ...(json !== undefined ? { json } : {}) });

  it('registers parties with validated jurisdiction and keys', async () => {
    const { url, adminToken } = harness();
    owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN', ciio: false });
    recipient = await registerParty(url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'DE' });
    const mismatch = await call('POST', '/v1/parties', adminToken, { name: 'x', kind: 'overseas', jurisdiction: 'CN' });
    expect([mismatch.status, mismatch.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const badKey = await call('POST', '/v1/parties', adminToken, { name: 'x', kind: 'overseas', jurisdiction: 'DE', publicKey: '04' + '11'.repeat(64) });
    expect([badKey.status, badKey.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const notAdmin = await call('POST', '/v1/parties', owner.token, { name: 'x', kind: 'overseas', jurisdiction: 'DE' });
    expect([notAdmin.status, notAdmin.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const profile = await call('GET', `/v1/parties/${recipient.id}`, recipient.token);
    expect(profile.body).toMatchObject({ id: recipient.id, kind: 'overseas', jurisdiction: 'DE', publicKey: recipient.keys.publicKey });
    expect(profile.text).not.toContain(recipient.token);
  });

  it('stores an upload all or nothing', async () => {
    const created = await call('POST', '/v1/datasets', owner.token, { name: 'accounts', fields });
    expect(created.status, created.text).toBe(201);
    datasetId = created.body.id;
    const good = await call('POST', `/v1/datasets/${datasetId}/records`, owner.token, rows(5000));
    expect(good.body).toEqual({ inserted: 5000 });
    const bad = await call('POST', `/v1/datasets/${datasetId}/records`, owner.token, [...rows(4500, 5000), { balance: 'not a number' }]);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(bad.body.error.details).toMatchObject({ row: 4501, field: 'balance' });
    const meta = await call('GET', `/v1/datasets/${datasetId}`, owner.token);
    expect(meta.body.records).toBe(5000);
  });

  it('keeps approved terms immutable and refuses a second approval', async () => {
    const contract = await proposeContract(harness().url, owner, {
      datasetId,
      recipientId: recipient.id,
      fields: { customer_id: { transform: 'tokenize' }, balance: { transform: 'keep' } },
    });
    await approveContract(harness().url, owner, contract);
    const again = await call('POST', `/v1/contracts/${contract.id}/approve`, owner.token, { signature: 'ab'.repeat(40) });
    expect([again.status, again.body.error.code]).toEqual([409, 'CONFLICT']);
    const read = await call('GET', `/v1/contracts/${contract.id}`, recipient.token);
    expect(read.body.terms).toEqual(contract.terms);
    expect(read.body.status).toBe('approved');
  });

  it('measures re-identification risk at proposal: refuses below minK, warns without it', async () => {
    const body = (extra: Record<string, unknown>) => ({
      datasetId,
      recipientId: recipient.id,
      purposes: ['analytics'],
      legalBasis: 'contract',
      validUntil: new Date(Date.now() + 86_400_000).toISOString(),
      retentionDays: 30,
      onwardTransfer: false,
      destination: { country: 'DE', location: 'Frankfurt' },
      ...extra,
    });
    const exact = { balance: { transform: 'keep' }, mobile: { transform: 'mask', keepStart: 3, keepEnd: 0 } };
    const refused = await call('POST', '/v1/contracts', owner.token, body({ fields: exact, minK: 5 }));
    expect([refused.status, refused.body.error.code]).toEqual([422, 'GROUP_TOO_SMALL']);
    expect(refused.body.error.details).toMatchObject({ minK: 5, k: 1 });
    const warned = await call('POST', '/v1/contracts', owner.token, body({ fields: exact }));
    expect(warned.status).toBe(201);
    expect(warned.body.warnings?.[0]).toMatch(/1-anonymous/);
    const coarse = await call('POST', '/v1/contracts', owner.token, body({ fields: { balance: { transform: 'generalize', step: 10_000 } }, minK: 5 }));
    expect(coarse.status, coarse.text).toBe(201);
    expect(coarse.body.warnings).toBeUndefined();
  });

  it('fails closed when the KMS is down and recovers when it is back', async () => {
    const contract = await proposeContract(harness().url, owner, {
      datasetId,
      recipientId: recipient.id,
      fields: { mobile: { transform: 'hash' }, balance: { transform: 'keep' } },
    });
    await approveContract(harness().url, owner, contract);
    const before = await call('POST', '/v1/transfers', recipient.token, { contractId: contract.id, purpose: 'analytics' });
    expect(before.status, before.text).toBe(201);

    await harness().kms.stop('SIGKILL');
    const during = await call('POST', '/v1/transfers', recipient.token, { contractId: contract.id, purpose: 'analytics' });
    expect([during.status, during.body.error.code]).toEqual([503, 'KMS_UNAVAILABLE']);
    const transfers = await harness().gateway.ctx.db.selectFrom('transfers').select('id').where('contract_id', '=', contract.id).execute();
    expect(transfers.map((t) => t.id)).toEqual([before.body.id]);

    await harness().kms.start();
    const after = await call('POST', '/v1/transfers', recipient.token, { contractId: contract.id, purpose: 'analytics' });
    expect(after.status, after.text).toBe(201);
    expect(after.body.records).toBe(5000);
    expect(after.body.subjects).toBe(5000);
  });

  it('writes transfer, package, receipt and outbox entry together and anchors the receipt', async () => {
    const contract = await proposeContract(harness().url, owner, {
      datasetId,
      recipientId: recipient.id,
      fields: { customer_id: { transform: 'hash' } },
      maxRecordsPerTransfer: 100,
    });
    await approveContract(harness().url, owner, contract);
    const transfer = await call('POST', '/v1/transfers', recipient.token, { contractId: contract.id, purpose: 'analytics', limit: 10 });
    expect(transfer.status, transfer.text).toBe(201);
    expect(transfer.body.records).toBe(10);
    const { db } = harness().gateway.ctx;
    const parts = await db.selectFrom('transfer_package_parts').select(['seq', 'size']).where('transfer_id', '=', transfer.body.id).orderBy('seq').execute();
    const row = await db.selectFrom('transfers').select('package_size').where('id', '=', transfer.body.id).executeTakeFirstOrThrow();
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts.reduce((n, p) => n + p.size, 0)).toBe(row.package_size);
    const outbox = await db.selectFrom('outbox').selectAll().where('id', '=', transfer.body.id).executeTakeFirstOrThrow();
    expect(outbox.anchored_at).not.toBeNull();
    const receipt = await call('GET', `/v1/transfers/${transfer.body.id}/receipt`, owner.token);
    expect(receipt.body.receipt).toEqual(transfer.body.receipt);
    const verdict = await call('POST', '/v1/ledger/verify', recipient.token, receipt.body);
    expect(verdict.body).toEqual({ valid: true });
    const record = await call('GET', `/v1/ledger/records/${contract.id}.approved`, owner.token);
    expect(record.status).toBe(200);
    expect(record.body.record.data.digest).toBe(contract.digest);
  });
});
