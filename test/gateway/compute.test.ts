import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/index.ts';
import { createComputeQueue, startComputeWorker } from '../../compute/index.ts';
import { startGateway, type RunningGateway } from '../../gateway/index.ts';
import { deriveWorkerToken } from '../../kms/index.ts';
import { backendAvailable } from '../support/backends.ts';
import { runCli } from '../support/cli.ts';
import { useWorker } from '../support/compute.ts';
import { filesUnder } from '../support/files.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { engines, gatewayConfig, useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { startKmsProcess, type RunningKms } from '../support/kms.ts';
import { redisInstalled, startRedis, type RedisServer } from '../support/redis.ts';
import { until } from '../support/wait.ts';

const fields = [
  { name: 'customer_id', type: 'string', category: 'personal', subject: true },
  { name: 'amount', type: 'number', category: 'general' },
  { name: 'score', type: 'number', category: 'general' },
  { name: 'grid_load', type: 'number', category: 'core' },
];
const contractFields = { customer_id: { transform: 'aggregate' }, amount: { transform: 'aggregate' }, score: { transform: 'aggregate' } };

/** Deterministic rows per owner: integer amounts, real scores, customer ids unique per owner. */
function rows(owner: number) {
  let state = 17 + owner;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  return Array.from({ length: 1500 + 250 * owner }, (_, i) => ({
    customer_id: `C${owner}-${i}`,
    amount: (next() % 105_000) - 5000,
    score: Math.round((next() % 100_000) * 0.37) / 100,
    grid_load: i,
  }));
}

interface World {
  url: string;
  owners: PartyFixture[];
  requester: PartyFixture;
  partner: PartyFixture;
  regulator: PartyFixture;
  outsider: PartyFixture;
  datasets: string[];
  contracts: string[];
  data: ReturnType<typeof rows>[];
}

async function setupWorld(url: string, adminToken: string): Promise<World> {
  const party = (name: string, kind: string, jurisdiction: string) => registerParty(url, adminToken, { name, kind, jurisdiction });
  const owners = [await party('Owner A', 'domestic', 'CN'), await party('Owner B', 'domestic', 'CN'), await party('Owner C', 'domestic', 'CN')];
  const requester = await party('Requester', 'overseas', 'SG');
  const partner = await party('Partner', 'overseas', 'DE');
  const regulator = await party('Regulator', 'regulator', 'CN');
  const outsider = await party('Outsider', 'domestic', 'CN');
  const datasets: string[] = [];
  const contracts: string[] = [];
  const data = owners.map((_, i) => rows(i));
  for (const [i, owner] of owners.entries()) {
    const created = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: `ledger-${i}`, fields } });
    datasets.push(created.body.id);
    const upload = await api(url, 'POST', `/v1/datasets/${created.body.id}/records`, { token: owner.token, json: data[i] });
    expect(upload.body).toEqual({ inserted: data[i]!.length });
    const contract = await proposeContract(url, owner, { datasetId: created.body.id, recipientId: requester.id, fields: contractFields });
    await approveContract(url, owner, contract);
    contracts.push(contract.id);
  }
  return { url, owners, requester, partner, regulator, outsider, datasets, contracts, data };
}

const inputsOf = (w: World) => w.datasets.map((datasetId, i) => ({ datasetId, contractId: w.contracts[i] }));

async function createJob(w: World, body: Record<string, unknown>, token = w.requester.token) {
  return api(w.url, 'POST', '/v1/compute/jobs', { token, json: { purpose: 'analytics', inputs: inputsOf(w), ...body } });
}

const status = (w: World, id: string, token = w.requester.token) => api(w.url, 'GET', `/v1/compute/jobs/${id}`, { token });

async function approveAll(w: World, id: string) {
  for (const owner of w.owners) expect((await api(w.url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: owner.token })).status).toBe(200);
}

async function released(w: World, id: string) {
  const result = await until(() => api(w.url, 'GET', `/v1/compute/jobs/${id}/result`, { token: w.requester.token }), (r) => r.status !== 409, `the result of ${id}`);
  expect(result.status, result.text).toBe(200);
  return result.body as { operation: string; value: number | number[] | null; n: number };
}

/** Server-sent events of a job until one has `stop` status, or until the server ends the stream. */
async function events(w: World, id: string, stop?: string): Promise<{ status: string; progress: number }[]> {
  const controller = new AbortController();
  const response = await fetch(`${w.url}/v1/compute/jobs/${id}/events`, { headers: { authorization: `Bearer ${w.requester.token}` }, signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const seen: { status: string; progress: number }[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return seen;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer.slice(0, end).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('');
      buffer = buffer.slice(end + 2);
      if (!data) continue;
      seen.push(JSON.parse(data));
      if (seen.at(-1)!.status === stop) {
        controller.abort();
        return seen;
      }
    }
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Key sets the KMS still holds (created, never destroyed, per its audit log) against those of
 * the gateway's live jobs: every other key set — of refused, failed, released jobs, or a
 * scheme guessed wrong — must be gone.
 */
async function keysetsLeft(kms: RunningKms, db: Kysely<any>): Promise<{ held: string[]; live: string[] }> {
  const created = new Set<string>();
  for (let after = 0; ; ) {
    const response = await fetch(`${kms.url}/v1/audit?after=${after}&limit=1000`, { headers: { authorization: `Bearer ${kms.token}` } });
    const page = (await response.json()) as { events: { operation: string; keyId: string | null; outcome: string }[]; next: number };
    for (const event of page.events.filter((e) => e.outcome === 'ok')) {
      if (event.operation === 'he.keyset.create') created.add(event.keyId!);
      if (event.operation === 'he.keyset.destroy') created.delete(event.keyId!);
    }
    if (page.events.length === 0) break;
    after = page.next;
  }
  const live = await db.selectFrom('compute_jobs').select('keyset_id').where('keyset_id', 'is not', null).where('keyset_destroyed_at', 'is', null).where('stage', 'not in', ['released', 'failed']).execute();
  return { held: [...created].sort(), live: live.map((r) => r.keyset_id as string).sort() };
}

describe.each(engines())('compute jobs through the gateway on %s', (engine) => {
  const harness = useGateway(engine);
  useWorker(harness);
  let w: World;
  beforeAll(async () => {
    w = await setupWorld(harness().url, harness().adminToken);
  });

  it.each([
    ['push-down (owners’ partial aggregates)', true],
    ['row-level', false],
  ])('computes sum, count, mean, variance, histogram and weighted sum over three owners as the plaintext does: %s', { timeout: 180_000 }, async (_, pushdown) => {
    const amounts = w.data.map((d) => d.map((r) => r.amount));
    const all = amounts.flat();
    const mean = sum(all) / all.length;
    const buckets = [-5000, 0, 25_000, 50_000, 100_000];
    const jobs: Record<string, Record<string, unknown>> = {
      sum: { operation: 'sum', column: 'amount' },
      count: { operation: 'count', column: 'amount' },
      mean: { operation: 'mean', column: 'amount' },
      variance: { operation: 'variance', column: 'amount' },
      histogram: { operation: 'histogram', column: 'amount', buckets },
      weightedSum: { operation: 'weightedSum', column: 'amount', weights: [1, 2, 3] },
      realMean: { operation: 'mean', column: 'score' },
    };
    const ids: Record<string, string> = {};
    for (const [name, body] of Object.entries(jobs)) {
      const created = await createJob(w, { ...body, pushdown });
      expect(created.status, created.text).toBe(201);
      expect(created.body.status).toBe('queued');
      ids[name] = created.body.id;
      // Approving before the worker has finished is allowed: the release follows the result.
      await approveAll(w, created.body.id);
    }
    const results = Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([name, id]) => [name, await released(w, id)] as const)));
    expect(results.sum).toEqual({ operation: 'sum', value: sum(all), n: all.length });
    expect(results.count).toEqual({ operation: 'count', value: all.length, n: all.length });
    expect(results.mean!.value).toBeCloseTo(mean, 9);
    const variance = sum(all.map((x) => (x - mean) ** 2)) / all.length;
    expect(Math.abs((results.variance!.value as number) - variance) / variance).toBeLessThan(1e-9);
    const histogram = buckets.slice(1).map((high, i) => all.filter((x) => x >= buckets[i]! && x < high).length);
    expect(results.histogram).toEqual({ operation: 'histogram', value: histogram, n: all.length });
    expect(results.weightedSum!.value).toBe(sum(amounts[0]!) + 2 * sum(amounts[1]!) + 3 * sum(amounts[2]!));
    const scores = w.data.flatMap((d) => d.map((r) => r.score));
    const scoreMean = sum(scores) / scores.length;
    expect(Math.abs((results.realMean!.value as number) - scoreMean) / scoreMean).toBeLessThan(1e-6);
    // The layout is part of what the ledger keeps about the job.
    const record = await api(w.url, 'GET', `/v1/ledger/records/${ids.sum}.created`, { token: w.regulator.token });
    expect(record.body.record.data).toMatchObject({ operation: 'sum', pushdown });
  });

  it('releases only when every owner approved; only owners approve, only the requester reads', { timeout: 120_000 }, async () => {
    const created = await createJob(w, { operation: 'sum', column: 'amount' });
    const id = created.body.id as string;
    const stream = await events(w, id, 'awaiting_approval');
    expect(stream.at(-1)).toMatchObject({ id, status: 'awaiting_approval', progress: 1, pending: w.owners.map((o) => o.id) });
    expect(stream.map((e) => e.status)).not.toContain('released');

    const result = () => api(w.url, 'GET', `/v1/compute/jobs/${id}/result`, { token: w.requester.token });
    expect((await result()).body.error.code).toBe('RESULT_NOT_RELEASED');
    for (const token of [w.requester.token, w.outsider.token, w.regulator.token]) {
      const refused = await api(w.url, 'POST', `/v1/compute/jobs/${id}/approve`, { token });
      expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
    }
    const first = await api(w.url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: w.owners[0]!.token, json: {} });
    expect(first.body).toEqual({ status: 'awaiting_approval', approvals: [w.owners[0]!.id], pending: [w.owners[1]!.id, w.owners[2]!.id] });
    const again = await api(w.url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: w.owners[0]!.token });
    expect(again.body.approvals).toEqual([w.owners[0]!.id]);
    await api(w.url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: w.owners[1]!.token });
    const notYet = await result();
    expect([notYet.status, notYet.body.error.code]).toEqual([409, 'RESULT_NOT_RELEASED']);
    const last = await api(w.url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: w.owners[2]!.token });
    expect(last.body).toMatchObject({ status: 'released', pending: [] });
    const value = sum(w.data.flatMap((d) => d.map((r) => r.amount)));
    expect((await result()).body).toEqual({ operation: 'sum', value, n: 5250 });
    // The job ended: its key set is destroyed in the KMS, the figure stays readable.
    const db = harness().gateway.ctx.db as unknown as Kysely<any>;
    const row = await until(() => db.selectFrom('compute_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow(), (r) => r.keyset_destroyed_at !== null, 'the key set to be destroyed');
    await expect(harness().gateway.ctx.compute.keysets.decrypt(row.keyset_id, new Uint8Array(16))).rejects.toMatchObject({ code: 'KEY_DESTROYED' });
    expect((await result()).body).toEqual({ operation: 'sum', value, n: 5250 });

    for (const token of [w.owners[0]!.token, w.regulator.token, w.outsider.token]) {
      expect((await api(w.url, 'GET', `/v1/compute/jobs/${id}/result`, { token })).status).toBe(403);
    }
    expect((await status(w, id, w.regulator.token)).body).toMatchObject({ id, status: 'released', progress: 1 });
    expect((await status(w, id, w.owners[1]!.token)).status).toBe(200);
    expect((await status(w, id, w.outsider.token)).status).toBe(403);
    // A stream of a finished job sends its state once and ends.
    expect(await events(w, id)).toEqual([expect.objectContaining({ id, status: 'released' })]);

    const record = async (recordId: string) => (await api(w.url, 'GET', `/v1/ledger/records/${recordId}`, { token: w.regulator.token })).body;
    const job = await record(`${id}.created`);
    expect(job.record).toMatchObject({ type: 'compute.job', data: { jobId: id, operation: 'sum', column: 'amount', purpose: 'analytics', minGroupSize: 10 } });
    expect(job.record.data.inputs.map((i: { contractId: string }) => i.contractId)).toEqual(w.contracts);
    expect(job.proof.kind).toBe('embedded');
    for (const owner of w.owners) {
      expect((await record(`${id}.approval.${owner.id}`)).record).toMatchObject({ type: 'compute.approval', exporterId: owner.id, data: { jobId: id } });
    }
    const release = await record(`${id}.released`);
    expect(release.record).toMatchObject({ type: 'compute.release', data: { jobId: id, n: 5250, resultDigest: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(JSON.stringify([job, release])).not.toContain(String(value));
    // The requester reads the records about its job; the ledger proves them offline.
    const own = await api(w.url, 'GET', `/v1/ledger/records/${id}.released`, { token: w.requester.token });
    expect((await api(w.url, 'POST', '/v1/ledger/verify', { token: w.requester.token, json: own.body })).body).toEqual({ valid: true });
  });

  it('refuses jobs the contracts do not allow, before creating anything', async () => {
    const jobs = async () => (await (harness().gateway.ctx.db as unknown as Kysely<any>).selectFrom('compute_jobs').select('id').execute()).length;
    const jobsBefore = await jobs();
    const refused = async (body: Record<string, unknown>, token?: string) => {
      const response = await createJob(w, body, token);
      return [response.status, response.body?.error?.code];
    };
    expect(await refused({ operation: 'sum', column: 'amount', purpose: 'marketing' })).toEqual([403, 'PURPOSE_NOT_ALLOWED']);
    expect(await refused({ operation: 'sum', column: 'customer_name' })).toEqual([403, 'FORBIDDEN']);
    expect(await refused({ operation: 'sum', column: 'grid_load' })).toEqual([403, 'CORE_DATA_PROHIBITED']);
    expect(await refused({ operation: 'sum', column: 'amount', minGroupSize: 5251 })).toEqual([422, 'GROUP_TOO_SMALL']);
    // Subtracting one input from another needs every contract's consent.
    expect(await refused({ operation: 'weightedSum', column: 'amount', weights: [1, 2, -3] })).toEqual([403, 'DISCLOSURE_RISK']);
    expect(await refused({ operation: 'sum', column: 'amount' }, w.partner.token)).toEqual([403, 'FORBIDDEN']);
    expect(await refused({ operation: 'histogram', column: 'amount' })).toEqual([400, 'VALIDATION_FAILED']);
    expect(await refused({ operation: 'sum', column: 'amount', buckets: [0, 1] })).toEqual([400, 'VALIDATION_FAILED']);
    expect(await refused({ operation: 'sum', column: 'amount', contributors: [w.owners[0]!.id] })).toEqual([400, 'VALIDATION_FAILED']);
    expect(await refused({ operation: 'psi', column: 'customer_id', mode: 'intersection' })).toEqual([403, 'FORBIDDEN']);

    // A contract listing only `amount`, kept: its `score` is not computable.
    const owner = w.owners[0]!;
    const narrow = await proposeContract(w.url, owner, { datasetId: w.datasets[0], recipientId: w.requester.id, fields: { amount: { transform: 'keep' } } });
    await approveContract(w.url, owner, narrow);
    const one = [{ datasetId: w.datasets[0], contractId: narrow.id }];
    expect(await refused({ operation: 'mean', column: 'score', inputs: one })).toEqual([403, 'FORBIDDEN']);
    expect(await refused({ operation: 'sum', column: 'amount', inputs: [{ datasetId: w.datasets[1], contractId: narrow.id }] })).toEqual([400, 'VALIDATION_FAILED']);
    expect((await createJob(w, { operation: 'sum', column: 'amount', inputs: one })).status).toBe(201);
    expect((await api(w.url, 'POST', `/v1/contracts/${narrow.id}/revoke`, { token: owner.token })).status).toBe(200);
    expect(await refused({ operation: 'sum', column: 'amount', inputs: one })).toEqual([403, 'CONTRACT_REVOKED']);

    // Persons are counted by subject: 40 rows of 4 customers are a group of 4, and a requester cannot lower the platform's floor of 10.
    const tiny = await api(w.url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'tiny', fields } });
    await api(w.url, 'POST', `/v1/datasets/${tiny.body.id}/records`, { token: owner.token, json: rows(0).slice(0, 40).map((r, i) => ({ ...r, customer_id: `T${i % 4}` })) });
    const tinyContract = await proposeContract(w.url, owner, { datasetId: tiny.body.id, recipientId: w.requester.id, fields: contractFields });
    await approveContract(w.url, owner, tinyContract);
    const tinyInputs = [{ datasetId: tiny.body.id, contractId: tinyContract.id }];
    expect(await refused({ operation: 'count', column: 'amount', inputs: tinyInputs })).toEqual([422, 'GROUP_TOO_SMALL']);
    expect(await refused({ operation: 'count', column: 'amount', inputs: tinyInputs, minGroupSize: 4 })).toEqual([422, 'GROUP_TOO_SMALL']);

    expect(await jobs()).toBe(jobsBefore + 1);
    // The refused jobs' key sets, made while their records were read, are destroyed.
    const db = harness().gateway.ctx.db as unknown as Kysely<any>;
    await until(() => keysetsLeft(harness().kms, db), ({ held, live }) => held.join() === live.join(), 'only live jobs to hold key sets');
  });

  it('reads a column from the records where chunks have no by-column copy (data stored before it existed)', { timeout: 120_000 }, async () => {
    const db = harness().gateway.ctx.db as unknown as Kysely<any>;
    const chunks = await db.selectFrom('dataset_chunks').select(['upload_id', 'seq', 'columns']).where('dataset_id', '=', w.datasets[2]).execute();
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.every((c) => c.columns !== null)).toBe(true);
    await db.updateTable('dataset_chunks').set({ columns: null }).where('dataset_id', '=', w.datasets[2]).where('seq', '=', 0).execute();
    try {
      const created = await createJob(w, { operation: 'variance', column: 'amount' });
      expect(created.status, created.text).toBe(201);
      await approveAll(w, created.body.id);
      const all = w.data.flatMap((d) => d.map((r) => r.amount));
      const mean = sum(all) / all.length;
      const variance = (await released(w, created.body.id)).value as number;
      expect(Math.abs(variance - sum(all.map((x) => (x - mean) ** 2)) / all.length) / variance).toBeLessThan(1e-9);
    } finally {
      for (const chunk of chunks) await db.updateTable('dataset_chunks').set({ columns: chunk.columns }).where('upload_id', '=', chunk.upload_id).where('seq', '=', chunk.seq).execute();
    }
  });

  it('fails closed, creating no job, when a stored by-column copy was altered, whichever column thread opens it', { timeout: 120_000 }, async () => {
    const db = harness().gateway.ctx.db as unknown as Kysely<any>;
    const chunks = await db.selectFrom('dataset_chunks').select(['upload_id', 'seq', 'columns']).where('dataset_id', '=', w.datasets[1]).orderBy('seq').execute();
    const last = chunks.at(-1)!;
    const altered = Uint8Array.from(last.columns as Uint8Array);
    altered[altered.length - 1]! ^= 1;
    const jobsBefore = Number((await db.selectFrom('compute_jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    await db.updateTable('dataset_chunks').set({ columns: altered }).where('upload_id', '=', last.upload_id).where('seq', '=', last.seq).execute();
    try {
      const created = await createJob(w, { operation: 'sum', column: 'amount' });
      expect([created.status, created.body?.error?.code], created.text).toEqual([500, 'INTERNAL']);
      expect(Number((await db.selectFrom('compute_jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(jobsBefore);
    } finally {
      await db.updateTable('dataset_chunks').set({ columns: last.columns }).where('upload_id', '=', last.upload_id).where('seq', '=', last.seq).execute();
    }
    // The threads keep serving: the restored copy computes again.
    const again = await createJob(w, { operation: 'sum', column: 'amount' });
    expect(again.status, again.text).toBe(201);
  });

  it('settles the scheme on the values: BFV while they are integers, CKKS from the first fraction, refused where BFV was asked', { timeout: 120_000 }, async () => {
    const owner = w.owners[1]!;
    const integers = await api(w.url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'integers', fields } });
    await api(w.url, 'POST', `/v1/datasets/${integers.body.id}/records`, { token: owner.token, json: rows(5).map((r, i) => ({ ...r, score: i })) });
    const contract = await proposeContract(w.url, owner, { datasetId: integers.body.id, recipientId: w.requester.id, fields: contractFields });
    await approveContract(w.url, owner, contract);
    // The first column is integral, the second is not: the BFV guess is replaced by CKKS.
    const inputs = [{ datasetId: integers.body.id, contractId: contract.id }, inputsOf(w)[0]!];
    const scores = [...rows(5).map((_, i) => i), ...w.data[0]!.map((r) => r.score)];
    const mixed = await createJob(w, { operation: 'mean', column: 'score', inputs });
    expect(mixed.status, mixed.text).toBe(201);
    await approveAll({ ...w, owners: [owner, w.owners[0]!] }, mixed.body.id);
    const mean = await released(w, mixed.body.id);
    expect(Math.abs((mean.value as number) - sum(scores) / scores.length)).toBeLessThan(1e-6);
    const db = harness().gateway.ctx.db as unknown as Kysely<any>;
    expect((await db.selectFrom('compute_jobs').select('scheme').where('id', '=', mixed.body.id).executeTakeFirstOrThrow()).scheme).toBe('ckks');

    const exact = await createJob(w, { operation: 'sum', column: 'score', inputs: inputs.slice(0, 1) });
    expect(exact.status).toBe(201);
    expect((await db.selectFrom('compute_jobs').select('scheme').where('id', '=', exact.body.id).executeTakeFirstOrThrow()).scheme).toBe('bfv');
    const refused = await createJob(w, { operation: 'sum', column: 'score', inputs, scheme: 'bfv' });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    await approveAll({ ...w, owners: [owner] }, exact.body.id);
    expect(await released(w, exact.body.id)).toMatchObject({ value: sum(rows(5).map((_, i) => i)) });
    await until(() => keysetsLeft(harness().kms, db), ({ held, live }) => held.join() === live.join(), 'only live jobs to hold key sets');
  });

  it('sums a partner’s column contributed with `sluice compute contribute`', { timeout: 120_000 }, async () => {
    const created = await createJob(w, { operation: 'sum', column: 'amount', contributors: [w.partner.id] });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    expect((await api(w.url, 'GET', `/v1/compute/jobs/${id}/key`, { token: w.requester.token })).status).toBe(403);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-partner-'));
    const partnerAmounts = Array.from({ length: 700 }, (_, i) => (i * 7919) % 20_000);
    fs.writeFileSync(path.join(dir, 'mine.csv'), ['amount,note', ...partnerAmounts.map((a) => `${a},x`), ',empty'].join('\n') + '\n');
    const contribute = (token: string) =>
      runCli(['compute', 'contribute', '--server', w.url, '--job', id, '--column', 'amount', '--in', path.join(dir, 'mine.csv')], { SLUICE_TOKEN: token });
    // Without the KMS nothing is answered: the job key, like new jobs, waits for it.
    await harness().kms.stop('SIGKILL');
    const unavailable = await api(w.url, 'GET', `/v1/compute/jobs/${id}/key`, { token: w.partner.token });
    expect([unavailable.status, unavailable.body.error.code]).toEqual([503, 'KMS_UNAVAILABLE']);
    expect((await createJob(w, { operation: 'sum', column: 'amount' })).body.error.code).toBe('KMS_UNAVAILABLE');
    await harness().kms.start();
    const stranger = await contribute(w.requester.token);
    expect([stranger.code, stranger.stderr]).toEqual([1, expect.stringContaining('FORBIDDEN')]);
    expect((await status(w, id)).body.status).toBe('queued');
    const garbage = await api(w.url, 'POST', `/v1/compute/jobs/${id}/contributions`, { token: w.partner.token, raw: new Uint8Array([1, 2, 3]), contentType: 'application/octet-stream' });
    expect([garbage.status, garbage.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const uploaded = await contribute(w.partner.token);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(JSON.parse(uploaded.stdout)).toMatchObject({ jobId: id, input: 'contribution-0', n: 700, skipped: 1 });
    const twice = await contribute(w.partner.token);
    expect(twice.stderr).toContain('CONFLICT');
    await approveAll(w, id);
    const owners = sum(w.data.flatMap((d) => d.map((r) => r.amount)));
    expect(await released(w, id)).toEqual({ operation: 'sum', value: owners + sum(partnerAmounts), n: 5250 + 700 });
  });

  it('answers `sluice psi` with the cardinality, and the intersection only where every contract keeps the column', { timeout: 120_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-psi-'));
    const ids = w.data.flatMap((d) => d.map((r) => r.customer_id));
    const mine = [...ids.filter((_, i) => i % 9 === 0), ...Array.from({ length: 50 }, (_, i) => `X-${i}`)];
    fs.writeFileSync(path.join(dir, 'ids.txt'), mine.join('\n') + '\n');
    const psi = (job: string) => runCli(['psi', '--server', w.url, '--job', job, '--in', path.join(dir, 'ids.txt'), '--threads', '2'], { SLUICE_TOKEN: w.requester.token });

    const created = await createJob(w, { operation: 'psi', column: 'customer_id' });
    expect(created.body.status).toBe('awaiting_approval');
    const early = await psi(created.body.id);
    expect(early.stderr).toContain('RESULT_NOT_RELEASED');
    await approveAll(w, created.body.id);
    const counted = await psi(created.body.id);
    expect(counted.code, counted.stderr).toBe(0);
    const expected = mine.filter((m) => ids.includes(m));
    expect(JSON.parse(counted.stdout)).toEqual({ jobId: created.body.id, mode: 'cardinality', elements: mine.length, cardinality: expected.length });
    expect((await psi(created.body.id)).stderr).toContain('CONFLICT');

    // Intersection: contracts that keep the identifier (two owners here).
    const kept: { datasetId: string; contractId: string }[] = [];
    for (const i of [0, 1]) {
      const contract = await proposeContract(w.url, w.owners[i]!, { datasetId: w.datasets[i], recipientId: w.requester.id, fields: { customer_id: { transform: 'keep' } } });
      await approveContract(w.url, w.owners[i]!, contract);
      kept.push({ datasetId: w.datasets[i]!, contractId: contract.id });
    }
    const intersection = await createJob(w, { operation: 'psi', column: 'customer_id', mode: 'intersection', inputs: kept });
    expect(intersection.status, intersection.text).toBe(201);
    for (const owner of w.owners.slice(0, 2)) await api(w.url, 'POST', `/v1/compute/jobs/${intersection.body.id}/approve`, { token: owner.token });
    const listed = await psi(intersection.body.id);
    expect(listed.code, listed.stderr).toBe(0);
    const twoOwners = new Set([...w.data[0]!, ...w.data[1]!].map((r) => r.customer_id));
    const out = JSON.parse(listed.stdout);
    expect(out.mode).toBe('intersection');
    expect(out.intersection.sort()).toEqual(mine.filter((m) => twoOwners.has(m)).sort());
    expect(out.cardinality).toBe(out.intersection.length);
  });
});

/**
 * A private join through the gateway and `sluice psi --sum`: the requester's values summed over
 * the persons it shares with the owners, neither side seeing the other's identifiers or values.
 */
describe('private join-and-compute (psi sum) through HTTP and the CLI', () => {
  const harness = useGateway('sqlite');
  useWorker(harness);
  let w: World;
  let dir: string;
  beforeAll(async () => {
    w = await setupWorld(harness().url, harness().adminToken);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-join-'));
  });

  const CANARY_ID = 'CANARY-ID-Q7zX';
  const CANARY_VALUE = 918_273_645;
  /** The requester's file: some customers the owners hold (one of them twice), some they do not, a row without a value. */
  function partnerFile() {
    const ids = w.data.flatMap((d) => d.map((r) => r.customer_id));
    const rows: [string, number][] = ids.filter((_, i) => i % 7 === 0).map((id, i) => [id, (i * 7919) % 10_000]);
    rows.push([ids[0]!, 5], ...Array.from({ length: 40 }, (_, i): [string, number] => [`Z-${i}`, i]), [CANARY_ID, CANARY_VALUE]);
    const file = path.join(dir, 'spend.csv');
    fs.writeFileSync(file, ['customer_id,spend', ...rows.map(([id, v]) => `${id},${v}`), 'Z-99,'].join('\n') + '\n');
    const held = new Set(ids);
    const perId = new Map<string, number>();
    for (const [id, v] of rows) perId.set(id, (perId.get(id) ?? 0) + v);
    const shared = [...perId].filter(([id]) => held.has(id));
    return { file, elements: perId.size, cardinality: shared.length, sum: shared.reduce((a, [, v]) => a + v, 0) };
  }
  const psiSum = (job: string, file: string, extra: string[] = []) =>
    runCli(['psi', '--server', w.url, '--job', job, '--in', file, '--column', 'customer_id', '--sum', 'spend', '--threads', '2', ...extra], { SLUICE_TOKEN: w.requester.token });

  it('releases the sum and the count of shared persons, once, after the owners approved', { timeout: 180_000 }, async () => {
    const { file, elements, cardinality, sum: expected } = partnerFile();
    const created = await createJob(w, { operation: 'psi', column: 'customer_id', mode: 'sum' });
    expect([created.status, created.body.status], created.text).toEqual([201, 'queued']);
    const id = created.body.id as string;
    const early = await psiSum(id, file);
    expect([early.code, early.stderr]).toEqual([1, expect.stringContaining('RESULT_NOT_RELEASED')]);
    const usage = await runCli(['psi', '--server', w.url, '--job', id, '--in', file, '--column', 'customer_id'], { SLUICE_TOKEN: w.requester.token });
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining('--sum')]);
    await approveAll(w, id);

    const joined = await psiSum(id, file);
    expect(joined.code, joined.stderr).toBe(0);
    expect(JSON.parse(joined.stdout)).toEqual({ jobId: id, mode: 'sum', elements, skipped: 1, cardinality, sum: expected });
    const result = await api(w.url, 'GET', `/v1/compute/jobs/${id}/result`, { token: w.requester.token });
    expect(result.body).toEqual({ operation: 'intersectionSum', value: expected, n: cardinality });
    expect((await status(w, id, w.owners[0]!.token)).body).toMatchObject({ status: 'released', pending: [] });

    // One exchange per job: a second run cannot probe with another set.
    expect((await psiSum(id, file)).stderr).toContain('CONFLICT');
    const release = (await api(w.url, 'GET', `/v1/ledger/records/${id}.released`, { token: w.regulator.token })).body.record;
    expect(release).toMatchObject({ type: 'compute.release', data: { jobId: id, mode: 'sum', n: cardinality, resultDigest: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    // The gateway never held the requester's identifiers or values in the clear: not in its
    // database, its compute store or the worker's scratch space.
    for (const stored of filesUnder(harness().dataDir)) {
      const bytes = fs.readFileSync(stored);
      expect(bytes.includes(CANARY_ID), stored).toBe(false);
      expect(bytes.includes(String(CANARY_VALUE)), stored).toBe(false);
    }
  });

  it('refuses an intersection below the floor, and tags or values out of turn', { timeout: 180_000 }, async () => {
    const { file, cardinality } = partnerFile();
    const created = await createJob(w, { operation: 'psi', column: 'customer_id', mode: 'sum', minGroupSize: cardinality + 1 });
    const id = created.body.id as string;
    const octets = (route: string, bytes: Uint8Array) => api(w.url, 'POST', `/v1/compute/jobs/${id}/${route}`, { token: w.requester.token, raw: bytes, contentType: 'application/octet-stream' });
    expect((await octets('psi/tags', new Uint8Array(64))).body.error.code).toBe('CONFLICT');
    // The job sums integers (BFV, no decimals): the CLI refuses a fraction rather than round it.
    const fractional = path.join(dir, 'fractional.csv');
    fs.writeFileSync(fractional, 'customer_id,spend\nC0-1,12.5\n');
    const refused = await psiSum(id, fractional);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('VALIDATION_FAILED')]);
    await approveAll(w, id);
    expect((await octets('psi/tags', new Uint8Array(64))).body.error.code).toBe('CONFLICT');
    expect((await octets('contributions', new Uint8Array(64))).body.error.code).toBe('VALIDATION_FAILED');
    const small = await psiSum(id, file);
    expect([small.code, small.stderr]).toEqual([1, expect.stringContaining('GROUP_TOO_SMALL')]);
    expect((await status(w, id)).body.status).toBe('failed');
    const result = await api(w.url, 'GET', `/v1/compute/jobs/${id}/result`, { token: w.requester.token });
    expect([result.status, result.body.error.code]).toEqual([422, 'GROUP_TOO_SMALL']);
    expect(result.text).not.toContain(String(cardinality));
    // Only the requester takes part; a sum mode takes no weights or contributors.
    expect((await api(w.url, 'POST', `/v1/compute/jobs/${id}/psi/tags`, { token: w.partner.token, raw: new Uint8Array(8), contentType: 'application/octet-stream' })).status).toBe(403);
    expect((await createJob(w, { operation: 'psi', column: 'customer_id', mode: 'sum', contributors: [w.partner.id] })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await createJob(w, { operation: 'psi', column: 'customer_id', mode: 'sum', pushdown: true })).body.error.code).toBe('VALIDATION_FAILED');
  });
});

/** The worker and the gateway on BullMQ (SLUICE_REDIS_URL) instead of the embedded queue. */
describe.runIf(backendAvailable('redis', redisInstalled()))('compute jobs on the BullMQ queue', () => {
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  // Registered first, so it runs last: the gateway and the worker disconnect before Redis stops.
  afterAll(() => redis?.stop());
  const harness = useGateway('sqlite', () => ({ SLUICE_REDIS_URL: redis!.url }));
  useWorker(harness, () => redis!.url);

  it('evaluates, streams progress and releases a sum', { timeout: 120_000 }, async () => {
    const w = await setupWorld(harness().url, harness().adminToken);
    const created = await createJob(w, { operation: 'variance', column: 'amount' });
    expect(created.status, created.text).toBe(201);
    const stream = await events(w, created.body.id, 'awaiting_approval');
    expect(stream.at(-1)!.status).toBe('awaiting_approval');
    expect(stream.every((e, i) => i === 0 || e.progress >= stream[i - 1]!.progress)).toBe(true);
    await approveAll(w, created.body.id);
    const all = w.data.flatMap((d) => d.map((r) => r.amount));
    const mean = sum(all) / all.length;
    const result = await released(w, created.body.id);
    expect(Math.abs((result.value as number) - sum(all.map((x) => (x - mean) ** 2)) / all.length)).toBeLessThan(1e-3);
  });
});

/**
 * Crash behaviour: a job caught in preparation is failed at the next start; a job the worker
 * finished while the gateway was down is released at the next start once its owners approved.
 */
describe('compute jobs across a gateway restart', () => {
  let kms: RunningKms;
  let gateway: RunningGateway | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-gw-restart-'));
  const adminToken = `slc_admin_restart_${Date.now()}`;
  const start = async () => {
    gateway = await startGateway(
      gatewayConfig(kms, { SLUICE_DATA_DIR: dataDir, SLUICE_ADMIN_TOKEN: adminToken }),
    );
    return gateway;
  };
  beforeAll(async () => {
    kms = await startKmsProcess();
  });
  afterAll(async () => {
    await gateway?.close();
    await kms?.stop();
  });

  it('fails interrupted preparations and releases what finished while it was down', { timeout: 180_000 }, async () => {
    const first = await start();
    const w = await setupWorld(first.url, adminToken);
    const created = await createJob(w, { operation: 'sum', column: 'amount' });
    const id = created.body.id as string;
    await approveAll(w, id);
    expect((await status(w, id)).body.status).toBe('queued');
    const db = first.ctx.db as unknown as Kysely<any>;
    // A job caught after its key set was made: the restart fails it and destroys the key set.
    const interruptedId = `job_${'0'.repeat(32)}`;
    const keyset = await first.ctx.compute.keysets.createKeyset({ jobId: interruptedId, scheme: 'bfv' });
    const interrupted = { ...(await db.selectFrom('compute_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow()), id: interruptedId, stage: 'preparing', keyset_id: keyset.keysetId };
    await db.insertInto('compute_jobs').values(interrupted).execute();
    await first.close();
    gateway = undefined;

    const worker = await startComputeWorker({ dataDir, kmsUrl: kms.url, workerToken: deriveWorkerToken(kms.token), logger: createLogger('compute-worker-test', 'silent') });
    try {
      const queue = await createComputeQueue({ dataDir });
      await until(() => queue.get(id), (info) => info?.status === 'completed', 'the worker to finish');
      await queue.close();
    } finally {
      await worker.close();
    }

    const second = await start();
    const again: World = { ...w, url: second.url };
    expect(await released(again, id)).toMatchObject({ operation: 'sum', n: 5250 });
    expect((await status(again, interrupted.id)).body).toMatchObject({ status: 'failed' });
    const rows = second.ctx.db as unknown as Kysely<any>;
    for (const jobId of [id, interrupted.id]) {
      await until(() => rows.selectFrom('compute_jobs').select('keyset_destroyed_at').where('id', '=', jobId).executeTakeFirstOrThrow(), (r) => r.keyset_destroyed_at !== null, 'the key sets of ended jobs to be destroyed');
    }
    await expect(second.ctx.compute.keysets.decrypt(keyset.keysetId, new Uint8Array(16))).rejects.toMatchObject({ code: 'KEY_DESTROYED' });
  });
});
