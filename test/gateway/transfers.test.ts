import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openPackage, sweepPackages } from '../../gateway/index.ts';
import { KmsClient } from '../../kms/index.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { engines, useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

const SYNC_RECORDS = 100;
const fields = [
  { name: 'phone', type: 'string', category: 'personal', subject: true },
  { name: 'city', type: 'string', category: 'general' },
  { name: 'diagnosis', type: 'string', category: 'sensitive' },
];
const csv = (from: number, to: number) => 'phone,city,diagnosis\n' + Array.from({ length: to - from }, (_, i) => `139${String(from + i).padStart(8, '0')},City ${(from + i) % 7},D${i % 3}\n`).join('');
const transforms = { phone: { transform: 'mask' }, city: { transform: 'keep' } };
const DAY = 86_400_000;

const sm3 = (bytes: Uint8Array) => createHash('sm3').update(bytes).digest('hex');

/** The KMS audit log's last sequence number so far. */
async function auditEnd(kms: KmsClient): Promise<number> {
  for (let after = 0; ; ) {
    const page = await kms.audit(after, 1000);
    if (page.events.length === 0) return after;
    after = page.next;
  }
}

describe.each(engines())('transfers of any size on %s', (engine) => {
  const harness = useGateway(engine, { SLUICE_TRANSFER_SYNC_RECORDS: String(SYNC_RECORDS) });
  let owner: PartyFixture;
  let recipient: PartyFixture;
  let datasetId: string;
  let large: { id: string; contractId: string };
  const url = () => harness().url;
  const call = (method: string, route: string, token: string, json?: unknown, headers: Record<string, string> = {}) =>
    api(url(), method, route, { token, headers, ...(json !== undefined ? { json } : {}) });
  const download = async (id: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url()}/v1/transfers/${id}/package`, { headers: { authorization: `Bearer ${recipient.token}`, ...headers } });
    return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
  };
  const contractOver = async (extra: Record<string, unknown> = {}) => {
    const contract = await proposeContract(url(), owner, { datasetId, recipientId: recipient.id, fields: transforms, retentionDays: 90, ...extra });
    await approveContract(url(), owner, contract);
    return contract.id;
  };
  const waitCompleted = async (id: string) => {
    for (;;) {
      const view = await call('GET', `/v1/transfers/${id}`, recipient.token);
      if (view.body.status !== 'running') return view;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('answers 202 for a large transfer, streams its progress as events, then serves the package', async () => {
    owner = await registerParty(url(), harness().adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    recipient = await registerParty(url(), harness().adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'SG' });
    datasetId = (await call('POST', '/v1/datasets', owner.token, { name: 'people', fields })).body.id;
    const upload = await api(url(), 'POST', `/v1/datasets/${datasetId}/records`, { token: owner.token, raw: csv(0, 5000), contentType: 'text/csv' });
    expect(upload.body).toEqual({ inserted: 5000 });
    const contractId = await contractOver();

    const created = await call('POST', '/v1/transfers', recipient.token, { contractId, purpose: 'analytics' });
    expect(created.status, created.text).toBe(202);
    expect(created.body).toEqual({ id: expect.stringMatching(/^trf_/), status: 'running' });
    large = { id: created.body.id, contractId };

    const events = await fetch(`${url()}/v1/transfers/${large.id}/events`, { headers: { authorization: `Bearer ${recipient.token}` } });
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const views = (await events.text())
      .split('\n\n')
      .filter((block) => block.startsWith('data: '))
      .map((block) => JSON.parse(block.slice('data: '.length)) as { status: string; progress: number; records: number });
    expect(views.at(-1)).toEqual({ id: large.id, status: 'completed', progress: 1, records: 5000 });
    for (const [i, view] of views.entries()) {
      expect(['running', 'completed']).toContain(view.status);
      if (i > 0) expect(view.progress).toBeGreaterThanOrEqual(views[i - 1]!.progress);
    }
    expect((await call('GET', `/v1/transfers/${large.id}`, owner.token)).body.status).toBe('completed');
    const listed = await call('GET', `/v1/transfers?contractId=${contractId}`, recipient.token);
    expect(listed.body.transfers).toEqual([expect.objectContaining({ id: large.id, status: 'completed', progress: 1, records: 5000, subjects: 5000 })]);
    expect((await call('GET', `/v1/transfers/${large.id}`, (await registerParty(url(), harness().adminToken, { name: 'X', kind: 'overseas', jurisdiction: 'US' })).token)).status).toBe(403);

    const pkg = await download(large.id);
    expect(pkg.status).toBe(200);
    expect(pkg.headers.get('accept-ranges')).toBe('bytes');
    const receipt = await call('GET', `/v1/transfers/${large.id}/receipt`, recipient.token);
    expect(receipt.body.receipt.data).toMatchObject({ records: 5000, subjects: 5000, packageDigest: sm3(pkg.bytes), retentionDays: 90 });
    const lines = new TextDecoder().decode(openPackage(pkg.bytes, recipient.keys.privateKey).records).trim().split('\n');
    expect(lines).toHaveLength(5000);
    expect(JSON.parse(lines[4999]!)).toEqual({ phone: '139****4999', city: 'City 1' });
    const parts = await harness().gateway.ctx.db.selectFrom('transfer_package_parts').select(['seq', 'size']).where('transfer_id', '=', large.id).execute();
    expect(Math.max(...parts.map((p) => p.size))).toBeLessThan(2 << 20);
  });

  it('honours Range: 206 for one range, 416 past the end, the whole package otherwise', async () => {
    const whole = (await download(large.id)).bytes;
    const size = whole.length;
    const first = await download(large.id, { range: 'bytes=0-99' });
    expect([first.status, first.headers.get('content-range'), first.bytes.length]).toEqual([206, `bytes 0-99/${size}`, 100]);
    const rest = await download(large.id, { range: 'bytes=100-' });
    expect(rest.status).toBe(206);
    expect(Buffer.concat([first.bytes, rest.bytes]).equals(Buffer.from(whole))).toBe(true);
    const tail = await download(large.id, { range: 'bytes=-10' });
    expect(Buffer.from(tail.bytes).equals(Buffer.from(whole.subarray(size - 10)))).toBe(true);
    const middle = await download(large.id, { range: `bytes=${size - 70_000}-${size - 69_000}` });
    expect(Buffer.from(middle.bytes).equals(Buffer.from(whole.subarray(size - 70_000, size - 68_999)))).toBe(true);
    const past = await download(large.id, { range: `bytes=${size}-` });
    expect([past.status, past.headers.get('content-range')]).toEqual([416, `bytes */${size}`]);
    expect(JSON.parse(Buffer.from(past.bytes).toString()).error.code).toBe('RANGE_NOT_SATISFIABLE');
    for (const ignored of ['bytes=0-1,5-9', 'items=0-5', 'bytes=9-1', 'bytes=abc']) expect((await download(large.id, { range: ignored })).status).toBe(200);
    expect((await download(large.id, { range: 'bytes=0-9', 'if-range': '"stale"' })).status).toBe(200);
    expect((await download(large.id, { range: 'bytes=0-9', 'if-range': first.headers.get('etag')! })).status).toBe(206);
  });

  it('decides compliance before any key is unwrapped: a blocked transfer makes no KMS call', async () => {
    const contractId = await contractOver({ fields: { ...transforms, diagnosis: { transform: 'keep' } } });
    const kms = new KmsClient({ url: harness().kms.url, token: harness().kms.token });
    const start = await auditEnd(kms);
    const blocked = await call('POST', '/v1/transfers', recipient.token, { contractId, purpose: 'analytics' });
    expect([blocked.status, blocked.body.error.code]).toEqual([403, 'COMPLIANCE_BLOCKED']);
    const small = await call('POST', '/v1/transfers', recipient.token, { contractId, purpose: 'analytics', limit: 10 });
    expect([small.status, small.body.error.code]).toEqual([403, 'COMPLIANCE_BLOCKED']);
    expect((await kms.audit(start, 1000)).events).toEqual([]);
    const jobs = await harness().gateway.ctx.db.selectFrom('transfer_jobs').select('id').where('contract_id', '=', contractId).execute();
    expect(jobs).toEqual([]);
  });

  it('hashes the subjects of chunks stored before hashes were kept, once, and counts them as the others', async () => {
    const { db } = harness().gateway.ctx;
    const dataset = (await call('POST', '/v1/datasets', owner.token, { name: 'older', fields })).body.id;
    await api(url(), 'POST', `/v1/datasets/${dataset}/records`, { token: owner.token, raw: csv(900_000, 900_060) + csv(900_000, 900_020).split('\n').slice(1).join('\n'), contentType: 'text/csv' });
    const stored = await db.selectFrom('dataset_chunks').select('subjects').where('dataset_id', '=', dataset).executeTakeFirstOrThrow();
    await db.updateTable('dataset_chunks').set({ subjects: null }).where('dataset_id', '=', dataset).execute();
    const contract = await proposeContract(url(), owner, { datasetId: dataset, recipientId: recipient.id, fields: transforms });
    await approveContract(url(), owner, contract);
    const year = new Date().getUTCFullYear();
    const counted = (await call('GET', `/v1/compliance/status?year=${year}`, owner.token)).body.personal;
    const transfer = await call('POST', '/v1/transfers', recipient.token, { contractId: contract.id, purpose: 'analytics' });
    expect(transfer.body).toMatchObject({ status: 'completed', records: 80, subjects: 60 });
    expect((await call('GET', `/v1/compliance/status?year=${year}`, owner.token)).body.personal).toBe(counted + 60);
    const again = await db.selectFrom('dataset_chunks').select('subjects').where('dataset_id', '=', dataset).executeTakeFirstOrThrow();
    expect(Buffer.from(again.subjects!).equals(Buffer.from(stored.subjects!))).toBe(true);
  });

  it('fails a background transfer cleanly when the KMS is down: nothing stored, nothing counted', async () => {
    const contractId = await contractOver();
    const year = new Date().getUTCFullYear();
    const counted = (await call('GET', `/v1/compliance/status?year=${year}`, owner.token)).body.personal;
    await harness().kms.stop('SIGKILL');
    try {
      const created = await call('POST', '/v1/transfers', recipient.token, { contractId, purpose: 'analytics' });
      expect(created.status, created.text).toBe(202);
      const view = await waitCompleted(created.body.id);
      expect(view.body).toMatchObject({ status: 'failed', progress: 0, error: { code: 'KMS_UNAVAILABLE' } });
      // The list shows it as it is (one statement over transfers and background jobs, on either engine).
      const listed = await call('GET', `/v1/transfers?contractId=${contractId}`, owner.token);
      expect(listed.body.transfers).toEqual([expect.objectContaining({ id: created.body.id, status: 'failed', progress: 0, subjects: null, error: expect.objectContaining({ code: 'KMS_UNAVAILABLE' }) })]);
      const pkg = await download(created.body.id);
      expect(pkg.status).toBe(409);
      const parts = await harness().gateway.ctx.db.selectFrom('transfer_package_parts').select('seq').where('transfer_id', '=', created.body.id).execute();
      expect(parts).toEqual([]);
    } finally {
      await harness().kms.start();
    }
    expect((await call('GET', `/v1/compliance/status?year=${year}`, owner.token)).body.personal).toBe(counted);
  });

  it('replays the first response for a retried Idempotency-Key, counted once, even after a dropped connection', async () => {
    const contractId = await contractOver();
    const headers = { 'idempotency-key': `retry-${engine}-1` };
    const body = { contractId, purpose: 'analytics', limit: 30 };
    const first = await call('POST', '/v1/transfers', recipient.token, body, headers);
    expect(first.status, first.text).toBe(201);
    const again = await call('POST', '/v1/transfers', recipient.token, body, headers);
    expect([again.status, again.body, again.headers.get('idempotent-replayed')]).toEqual([201, first.body, 'true']);
    const reused = await call('POST', '/v1/transfers', recipient.token, { ...body, limit: 31 }, headers);
    expect([reused.status, reused.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    const badKey = await call('POST', '/v1/transfers', recipient.token, body, { 'idempotency-key': 'é'.repeat(3) });
    expect(badKey.status).toBe(400);

    // The client sends the request and loses the connection before any answer; it retries.
    const dropped = { 'idempotency-key': `retry-${engine}-2` };
    const raw = JSON.stringify({ contractId, purpose: 'analytics' });
    await new Promise<void>((resolve) => {
      const request = http.request(`${url()}/v1/transfers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${recipient.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(raw), ...dropped },
      });
      request.on('error', () => resolve());
      request.end(raw, () => setImmediate(() => (request.destroy(), resolve())));
    });
    const retried = await call('POST', '/v1/transfers', recipient.token, JSON.parse(raw), dropped);
    expect([201, 202]).toContain(retried.status);
    const again2 = await call('POST', '/v1/transfers', recipient.token, JSON.parse(raw), dropped);
    expect(again2.body.id).toBe(retried.body.id);
    await waitCompleted(retried.body.id);
    const transfers = await harness().gateway.ctx.db.selectFrom('transfers').select('id').where('contract_id', '=', contractId).execute();
    expect(transfers.map((t) => t.id).sort()).toEqual([first.body.id, retried.body.id].sort());
  });

  it('applies Idempotency-Key to uploads: a retried upload is stored once', async () => {
    const dataset = (await call('POST', '/v1/datasets', owner.token, { name: 'again', fields })).body.id;
    const upload = (key: string, body: string) =>
      api(url(), 'POST', `/v1/datasets/${dataset}/records`, { token: owner.token, raw: body, contentType: 'text/csv', headers: { 'idempotency-key': key } });
    const first = await upload('upload-1', csv(0, 40));
    const second = await upload('upload-1', csv(0, 40));
    expect([first.body, second.body, second.headers.get('idempotent-replayed')]).toEqual([{ inserted: 40 }, { inserted: 40 }, 'true']);
    expect((await upload('upload-1', csv(0, 41))).status).toBe(422);
    expect((await call('GET', `/v1/datasets/${dataset}`, owner.token)).body.records).toBe(40);
  });

  it('applies Idempotency-Key to compute jobs: a retry returns the first job', async () => {
    const dataset = (await call('POST', '/v1/datasets', owner.token, { name: 'amounts', fields: [{ name: 'amount', type: 'number', category: 'general' }] })).body.id;
    await call('POST', `/v1/datasets/${dataset}/records`, owner.token, Array.from({ length: 30 }, (_, i) => ({ amount: i })));
    const contract = await proposeContract(url(), owner, { datasetId: dataset, recipientId: recipient.id, fields: { amount: { transform: 'aggregate' } } });
    await approveContract(url(), owner, contract);
    const job = { operation: 'sum', column: 'amount', purpose: 'analytics', inputs: [{ datasetId: dataset, contractId: contract.id }] };
    const headers = { 'idempotency-key': 'job-1' };
    const first = await call('POST', '/v1/compute/jobs', recipient.token, job, headers);
    expect(first.status, first.text).toBe(201);
    const again = await call('POST', '/v1/compute/jobs', recipient.token, job, headers);
    expect([again.status, again.body.id]).toEqual([201, first.body.id]);
    expect((await call('POST', '/v1/compute/jobs', recipient.token, { ...job, operation: 'count' }, headers)).status).toBe(422);
    const jobs = await (harness().gateway.ctx.db as unknown as Kysely<any>).selectFrom('compute_jobs').select('id').where('requester_id', '=', recipient.id).execute();
    expect(jobs).toHaveLength(1);
  });

  it('keeps JSON bodies small and lets uploads stream far beyond them', async () => {
    const huge = await api(url(), 'POST', '/v1/contracts', { token: owner.token, raw: JSON.stringify({ datasetId, purposes: ['x'.repeat(24 * 1024 * 1024)] }) });
    expect([huge.status, huge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const dataset = (await call('POST', '/v1/datasets', owner.token, { name: 'big', fields })).body.id;
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ phone: `138${String(i).padStart(8, '0')}`, city: 'Somewhere quite far away', diagnosis: 'none' }));
    const body = JSON.stringify(rows);
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const json = await api(url(), 'POST', `/v1/datasets/${dataset}/records`, { token: owner.token, raw: body });
    expect(json.body).toEqual({ inserted: 20_000 });
  });
  // Last: the sweep at a clock days ahead also destroys today's package key.
  it('refuses packages once the contract is revoked or expired, and deletes them (keys destroyed) after the download window', async () => {
    const kms = new KmsClient({ url: harness().kms.url, token: harness().kms.token });
    const { ctx } = harness().gateway;
    const clock = ctx.now;
    try {
      // Expired: the contract ends tomorrow; seen from the day after, its package is no longer released.
      ctx.now = () => new Date(Date.now() + 2 * DAY);
      const expired = await download(large.id);
      expect([expired.status, JSON.parse(Buffer.from(expired.bytes).toString()).error.code]).toEqual([403, 'CONTRACT_EXPIRED']);
    } finally {
      ctx.now = clock;
    }
    // Revoked: the package of an earlier transfer is refused, then swept.
    const revocable = await contractOver();
    const before = await call('POST', '/v1/transfers', recipient.token, { contractId: revocable, purpose: 'analytics', limit: 20 });
    expect((await call('POST', `/v1/contracts/${revocable}/revoke`, owner.token)).body.status).toBe('revoked');
    const revoked = await download(before.body.id);
    expect([revoked.status, JSON.parse(Buffer.from(revoked.bytes).toString()).error.code]).toEqual([403, 'CONTRACT_REVOKED']);
    await sweepPackages(ctx);
    expect(await ctx.db.selectFrom('transfer_package_parts').select('seq').where('transfer_id', '=', before.body.id).execute()).toEqual([]);

    const shortLived = await contractOver({ validUntil: new Date(Date.now() + 30 * DAY).toISOString() });
    const sync = await call('POST', '/v1/transfers', recipient.token, { contractId: shortLived, purpose: 'analytics', limit: 20 });
    expect(sync.status, sync.text).toBe(201);
    expect(sync.body.receipt.data.retentionDays).toBe(90);
    expect((await download(sync.body.id)).status).toBe(200);
    const row = await ctx.db.selectFrom('transfers').select(['package_key_id']).where('id', '=', sync.body.id).executeTakeFirstOrThrow();
    expect((await kms.getKey(row.package_key_id!)).state).toBe('active');

    // Past the download window (7 days by default): refused at once, then deleted by the sweep.
    const later = new Date(Date.now() + 8 * DAY);
    try {
      ctx.now = () => later;
      const gone = await download(sync.body.id);
      expect([gone.status, JSON.parse(Buffer.from(gone.bytes).toString()).error.code]).toEqual([410, 'PACKAGE_EXPIRED']);
    } finally {
      ctx.now = clock;
    }
    expect(await sweepPackages(ctx, later)).toBeGreaterThanOrEqual(1);
    expect(await ctx.db.selectFrom('transfer_package_parts').select('seq').where('transfer_id', '=', sync.body.id).execute()).toEqual([]);
    expect((await kms.getKey(row.package_key_id!)).state).toBe('destroyed');
    expect((await download(sync.body.id)).status).toBe(410);
    const receipt = await call('GET', `/v1/transfers/${sync.body.id}/receipt`, recipient.token);
    expect((await call('POST', '/v1/ledger/verify', recipient.token, receipt.body)).body).toEqual({ valid: true });
  });
});
