import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { useWorker } from '../support/compute.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { until } from '../support/wait.ts';

/**
 * A curious analyst with an obliging data owner: every job the analyst asks for, the owner
 * approves. Each attack tries to learn one employee's salary (or whether they are in a set)
 * through the compute API the way the issue found it could; none may come within 1 % of it.
 * Honest aggregates over at least the floor still come back exact, or within their stated noise.
 */
const TARGET = { employee_id: 'E-TARGET', salary: 48_213 };
const crowd = (prefix: string, n: number, base = 30_000) => Array.from({ length: n }, (_, i) => ({ employee_id: `${prefix}-${i}`, salary: base + ((i * 7919) % 40_000) }));
const X = crowd('X', 30);
const Y = crowd('Y', 15, 60_000);
const fields = [
  { name: 'employee_id', type: 'string', category: 'personal', subject: true },
  { name: 'salary', type: 'number', category: 'personal' },
];
const total = (rows: { salary: number }[]) => rows.reduce((a, r) => a + r.salary, 0);

/** Whether an attacker's estimate of the target's salary gives it away (within 1 %). */
const discloses = (estimate: number | null | undefined) => typeof estimate === 'number' && Math.abs(estimate - TARGET.salary) <= 0.01 * TARGET.salary;

describe('attacks on compute releases, the owner approving every job', () => {
  const harness = useGateway('sqlite');
  useWorker(harness);
  let url: string;
  let requester: PartyFixture;
  beforeAll(async () => {
    url = harness().url;
    requester = await registerParty(url, harness().adminToken, { name: 'Curious analyst', kind: 'overseas', jurisdiction: 'SG' });
  });

  /** A fresh owner, so each attack starts with nothing released of it. */
  async function owner(name: string) {
    return registerParty(url, harness().adminToken, { name, kind: 'domestic', jurisdiction: 'CN' });
  }

  /** A dataset of `rows` offered to the analyst for aggregation, with `terms` in its contract. */
  async function dataset(o: PartyFixture, rows: object[], terms: Record<string, unknown> = {}) {
    const created = await api(url, 'POST', '/v1/datasets', { token: o.token, json: { name: `d-${Math.random()}`, fields } });
    if (rows.length > 0) expect((await api(url, 'POST', `/v1/datasets/${created.body.id}/records`, { token: o.token, json: rows })).status).toBe(200);
    const contract = await proposeContract(url, o, { datasetId: created.body.id, recipientId: requester.id, fields: { employee_id: { transform: 'aggregate' }, salary: { transform: 'aggregate' } }, ...terms });
    await approveContract(url, o, contract);
    return { datasetId: created.body.id as string, contractId: contract.id };
  }

  /** Asks for a job; the owners approve at once; the released result, or the refusal. */
  async function ask(body: Record<string, unknown>, owners: PartyFixture[]) {
    const created = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { purpose: 'analytics', column: 'salary', ...body } });
    if (created.status !== 201) return { refused: created.body.error as { code: string; details?: { reason?: string } }, status: created.status, text: created.text };
    const id = created.body.id as string;
    for (const o of owners) expect((await api(url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: o.token })).status).toBe(200);
    const result = await until(() => api(url, 'GET', `/v1/compute/jobs/${id}/result`, { token: requester.token }), (r) => r.status !== 409, `the result of ${id}`);
    expect(result.status, result.text).toBe(200);
    return { id, result: result.body as { value: number | (number | null)[]; n: number; noise?: { scale: number; epsilon: number }; budget?: { spent: number; remaining: number }; suppressed?: unknown[] } };
  }

  it('minGroupSize 1 on a one-person dataset: the floor is the platform’s, not the requester’s', async () => {
    const o = await owner('Owner one');
    const one = await dataset(o, [TARGET]);
    const outcome = await ask({ operation: 'sum', inputs: [one], minGroupSize: 1 }, [o]);
    expect(outcome.refused?.code).toBe('GROUP_TOO_SMALL');
    expect(outcome.text).not.toContain(String(TARGET.salary));
    // A contract may raise the floor: 31 persons are not enough under a signed floor of 40.
    const strict = await dataset(o, [...X, TARGET], { disclosure: { minGroupSize: 40 } });
    expect((await ask({ operation: 'mean', inputs: [strict] }, [o])).refused?.code).toBe('GROUP_TOO_SMALL');
  });

  it('PSI with one identifier: refused on the partner’s side as on the owner’s', { timeout: 120_000 }, async () => {
    const o = await owner('Owner psi');
    const ids = await dataset(o, [...X, TARGET]);
    const created = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { purpose: 'analytics', column: 'employee_id', operation: 'psi', inputs: [ids], minGroupSize: 1 } });
    expect(created.status, created.text).toBe(201);
    const session = await api(url, 'GET', `/v1/compute/jobs/${created.body.id}/psi`, { token: requester.token });
    expect(session.body.minSetSize).toBe(10);
    await api(url, 'POST', `/v1/compute/jobs/${created.body.id}/approve`, { token: o.token });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-attack-psi-'));
    // The same identifier ten times is still one element.
    fs.writeFileSync(path.join(dir, 'one.txt'), `${Array(10).fill(TARGET.employee_id).join('\n')}\n`);
    const probe = await runCli(['psi', '--server', url, '--job', created.body.id, '--in', path.join(dir, 'one.txt')], { SLUICE_TOKEN: requester.token });
    expect(probe.code).not.toBe(0);
    expect(probe.stderr).toContain('GROUP_TOO_SMALL');
    expect(probe.stdout).not.toContain('cardinality');
    // The owner's side: a one-person set is no set to intersect with.
    const single = await dataset(o, [TARGET]);
    expect((await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { purpose: 'analytics', column: 'employee_id', operation: 'psi', inputs: [single] } })).body.error.code).toBe('GROUP_TOO_SMALL');
  });

  describe('a private join (psi, mode sum) run with sluice psi --sum', () => {
    /** The requester's own file: (employee_id, salary) rows, its values summed over the persons the owner also holds. */
    function partnerFile(rows: { employee_id: string; salary: number }[]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-attack-join-'));
      const file = path.join(dir, 'mine.csv');
      fs.writeFileSync(file, ['employee_id,salary', ...rows.map((r) => `${r.employee_id},${r.salary}`)].join('\n') + '\n');
      return file;
    }

    /** A join job over `input`, approved by its owner, then the CLI's exchange, tags and values from `rows`. */
    async function join(o: PartyFixture, input: { datasetId: string; contractId: string }, rows: { employee_id: string; salary: number }[], minGroupSize?: number) {
      const created = await api(url, 'POST', '/v1/compute/jobs', {
        token: requester.token,
        json: { purpose: 'analytics', column: 'employee_id', operation: 'psi', mode: 'sum', inputs: [input], ...(minGroupSize ? { minGroupSize } : {}) },
      });
      expect(created.status, created.text).toBe(201);
      const id = created.body.id as string;
      expect((await api(url, 'POST', `/v1/compute/jobs/${id}/approve`, { token: o.token })).status).toBe(200);
      const cli = await runCli(['psi', '--server', url, '--job', id, '--in', partnerFile(rows), '--column', 'employee_id', '--sum', 'salary', '--threads', '1'], { SLUICE_TOKEN: requester.token });
      const result = await api(url, 'GET', `/v1/compute/jobs/${id}/result`, { token: requester.token });
      return { id, cli, result };
    }

    /** Identifiers the owner does not hold, to reach the partner-set floor. */
    const padding = (n: number) => Array.from({ length: n }, (_, i) => ({ employee_id: `PAD-${i}`, salary: 0 }));

    it('one real identifier among padding: refused at the intersection, member or not, whatever floor the request names', { timeout: 180_000 }, async () => {
      const o = await owner('Owner join padding');
      const staff = await dataset(o, [...X, TARGET]);
      const outcomes = [];
      // The same padded probe for the target (held) and for someone the owner does not hold.
      for (const probe of [TARGET.employee_id, 'E-ABSENT']) {
        const { id, cli, result } = await join(o, staff, [...padding(20), { employee_id: probe, salary: 1_000_000 }], 1);
        expect(cli.code).not.toBe(0);
        expect(cli.stderr).toContain('GROUP_TOO_SMALL');
        expect(cli.stdout).not.toContain('cardinality');
        expect([result.status, result.body.error?.code]).toEqual([422, 'GROUP_TOO_SMALL']);
        expect((await api(url, 'GET', `/v1/compute/jobs/${id}`, { token: requester.token })).body.status).toBe('failed');
        outcomes.push([cli.code, cli.stderr.replaceAll(id, 'JOB'), result.text.replaceAll(id, 'JOB')]);
      }
      // Nothing tells the two apart: the requester learns no membership.
      expect(outcomes[0]).toEqual(outcomes[1]);
    });

    it('a one-person intersection: the partner’s set of one, even written ten times in its file, is refused at the exchange', { timeout: 180_000 }, async () => {
      const o = await owner('Owner join one');
      const staff = await dataset(o, [...X, TARGET]);
      for (const rows of [[TARGET], Array(10).fill(TARGET)]) {
        const { cli, result } = await join(o, staff, rows, 1);
        expect([cli.code, cli.stderr]).toEqual([1, expect.stringContaining('GROUP_TOO_SMALL')]);
        expect(cli.stdout).toBe('');
        // Refused before any value was uploaded: nothing to release.
        expect([result.status, result.body.error?.code]).toEqual([409, 'RESULT_NOT_RELEASED']);
      }
    });

    it('the contract’s floor binds the intersection: 35 shared persons under a floor of 40 are refused, 45 released exactly', { timeout: 180_000 }, async () => {
      const o = await owner('Owner join floor');
      const crowd50 = crowd('J', 50);
      const staff = await dataset(o, crowd50, { disclosure: { minGroupSize: 40 } });
      const mine = (shared: number) => [...crowd50.slice(0, shared).map((r, i) => ({ employee_id: r.employee_id, salary: 100 + i })), ...padding(20)];
      const refused = await join(o, staff, mine(35));
      expect([refused.cli.code, refused.cli.stderr]).toEqual([1, expect.stringContaining('GROUP_TOO_SMALL')]);
      expect([refused.result.status, refused.result.body.error?.code]).toEqual([422, 'GROUP_TOO_SMALL']);
      const honest = await join(o, staff, mine(45));
      expect(honest.cli.code, honest.cli.stderr).toBe(0);
      const expected = mine(45).reduce((a, r) => a + r.salary, 0);
      expect(JSON.parse(honest.cli.stdout)).toMatchObject({ mode: 'sum', cardinality: 45, sum: expected });
      expect(honest.result.body).toEqual({ operation: 'intersectionSum', value: expected, n: 45 });
    });
  });

  it('weightedSum [1, −1] over “all” and “all but the target”, and a near-zero weight on a crowd', async () => {
    const o = await owner('Owner weights');
    const all = await dataset(o, [...X, TARGET]);
    const allBut = await dataset(o, X);
    const subtract = await ask({ operation: 'weightedSum', inputs: [all, allBut], weights: [1, -1] }, [o]);
    expect([subtract.refused?.code, subtract.refused?.details?.reason]).toEqual(['DISCLOSURE_RISK', 'signed_weights']);
    // The target alone, drowned by a crowd weighted almost to nothing.
    const one = await dataset(o, [TARGET]);
    const drowned = await ask({ operation: 'weightedSum', inputs: [one, allBut], weights: [1, 0.000001] }, [o]);
    expect([drowned.refused?.code, drowned.refused?.details?.reason]).toEqual(['DISCLOSURE_RISK', 'small_input']);
  });

  it('two sums whose persons differ by one: the second is refused, whatever datasets carry them', { timeout: 120_000 }, async () => {
    const o = await owner('Owner differencing');
    const all = await dataset(o, [...X, TARGET]);
    const allBut = await dataset(o, X);
    const first = await ask({ operation: 'sum', inputs: [all] }, [o]);
    // An honest aggregate over ≥ the floor: exact.
    expect(first.result).toEqual({ operation: 'sum', value: total([...X, TARGET]), n: 31 });
    const second = await ask({ operation: 'sum', inputs: [allBut] }, [o]);
    expect([second.refused?.code, second.refused?.details?.reason]).toEqual(['DISCLOSURE_RISK', 'differencing']);
    expect(second.status).toBe(403);
    // Nor through a mean and a count over the smaller set, nor padded with another owner's crowd.
    expect((await ask({ operation: 'mean', inputs: [allBut] }, [o])).refused?.details?.reason).toBe('differencing');
    const other = await owner('Owner padding');
    const pad = await dataset(other, crowd('P', 40));
    const padded = await ask({ operation: 'sum', inputs: [allBut, pad] }, [o, other]);
    expect(padded.refused?.code).toBe('DISCLOSURE_RISK');
    // The same persons again is no difference: re-running releases the same figure.
    expect((await ask({ operation: 'sum', inputs: [all] }, [o])).result?.value).toBe(first.result!.value);
    expect(discloses(second.result ? (first.result!.value as number) - (second.result.value as number) : null)).toBe(false);
  });

  it('a histogram with a narrow bin around the target’s salary: the bin is withheld, and cannot be derived', { timeout: 120_000 }, async () => {
    const o = await owner('Owner histogram');
    const all = await dataset(o, [...X, TARGET]);
    const narrow = await ask({ operation: 'histogram', inputs: [all], buckets: [0, 48_000, 48_500, 200_000] }, [o]);
    const value = narrow.result!.value as (number | null)[];
    expect(value[1]).toBeNull();
    expect(narrow.result!.suppressed).toEqual(expect.arrayContaining([{ cell: 1, reason: 'primary' }]));
    // What n minus the released bins leaves covers at least the floor.
    const hidden = narrow.result!.n - value.reduce<number>((a, c) => a + (c ?? 0), 0);
    expect(hidden).toBeGreaterThanOrEqual(10);
    // A lone narrow bin: the rest of the persons lie outside it, so the bin cannot be told from them.
    // The row layout (`pushdown: false`) goes through the same controls: the same bins withheld.
    const rows = await ask({ operation: 'histogram', inputs: [all], buckets: [0, 48_000, 48_500, 200_000], pushdown: false }, [o]);
    expect(rows.result).toEqual(narrow.result);
    const lone = await ask({ operation: 'histogram', inputs: [all], buckets: [48_200, 48_250] }, [o]);
    expect(lone.result).toMatchObject({ value: [null], n: 31 });
    // Bins shifted against released ones would difference: [45000, 80000) − [48500, 200000) holds 4 persons.
    const shifted = await ask({ operation: 'histogram', inputs: [all], buckets: [0, 45_000, 80_000] }, [o]);
    expect(shifted.refused?.code).toBe('DISCLOSURE_RISK');
    expect(['differencing', 'tracker']).toContain(shifted.refused?.details?.reason);
  });

  it('an honest histogram, every bin at least the floor, comes back exact', { timeout: 120_000 }, async () => {
    const o = await owner('Owner honest histogram');
    const all = await dataset(o, [...X, TARGET]);
    const rows = [...X, TARGET];
    const honest = await ask({ operation: 'histogram', inputs: [all], buckets: [0, 45_000, 80_000] }, [o]);
    expect(honest.result).toEqual({ operation: 'histogram', value: [rows.filter((r) => r.salary < 45_000).length, rows.filter((r) => r.salary >= 45_000).length], n: 31 });
  });

  it('the same sum before and after the owner appends one record', { timeout: 120_000 }, async () => {
    const o = await owner('Owner append');
    const staff = await dataset(o, X);
    const before = await ask({ operation: 'sum', inputs: [staff] }, [o]);
    expect(before.result?.value).toBe(total(X));
    expect((await api(url, 'POST', `/v1/datasets/${staff.datasetId}/records`, { token: o.token, json: [TARGET] })).status).toBe(200);
    const after = await ask({ operation: 'sum', inputs: [staff] }, [o]);
    expect([after.refused?.code, after.refused?.details?.reason]).toEqual(['DISCLOSURE_RISK', 'differencing']);
    // Once enough newcomers joined, the difference is a group again and the job runs.
    expect((await api(url, 'POST', `/v1/datasets/${staff.datasetId}/records`, { token: o.token, json: crowd('N', 9) })).status).toBe(200);
    const later = await ask({ operation: 'sum', inputs: [staff] }, [o]);
    expect(later.result?.value).toBe(total([...X, TARGET, ...crowd('N', 9)]));
  });

  it('a tracker over three datasets of one owner: D1 − D2 + D3 is the target, though every pair is ≥ floor apart', { timeout: 120_000 }, async () => {
    const o = await owner('Owner tracker');
    const d1 = await dataset(o, [...X, TARGET]);
    const d2 = await dataset(o, [...X, ...Y]);
    const d3 = await dataset(o, Y);
    const s1 = await ask({ operation: 'sum', inputs: [d1] }, [o]);
    const s2 = await ask({ operation: 'sum', inputs: [d2] }, [o]);
    expect(s1.result && s2.result).toBeTruthy();
    const s3 = await ask({ operation: 'sum', inputs: [d3] }, [o]);
    expect([s3.refused?.code, s3.refused?.details?.reason]).toEqual(['DISCLOSURE_RISK', 'tracker']);
    const estimate = s3.result ? (s1.result!.value as number) - (s2.result!.value as number) + (s3.result.value as number) : null;
    expect(discloses(estimate)).toBe(false);
    // The same tracker through two-input jobs: D1 + D3 against D2 is a one-person difference.
    expect((await ask({ operation: 'sum', inputs: [d1, d3] }, [o])).refused?.code).toBe('DISCLOSURE_RISK');
  });

  it('shows the owner, before it approves, what a job reveals; the requester does not see it', { timeout: 120_000 }, async () => {
    const o = await owner('Owner preview');
    const all = await dataset(o, [...X, TARGET]);
    await ask({ operation: 'sum', inputs: [all] }, [o]);
    const allAndMore = await dataset(o, [...X, TARGET, ...crowd('Z', 12)]);
    const created = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { purpose: 'analytics', column: 'salary', operation: 'histogram', inputs: [allAndMore], buckets: [0, 48_000, 48_500, 200_000] } });
    expect(created.status, created.text).toBe(201);
    const view = await api(url, 'GET', `/v1/compute/jobs/${created.body.id}`, { token: o.token });
    expect(view.body.disclosure).toMatchObject({ coveredPersons: 43, suppressedCells: [0, 1], smallestCell: 23, overlap: { earlierFigures: 1, closest: { differingPersons: 12 } } });
    expect((await api(url, 'GET', `/v1/compute/jobs/${created.body.id}`, { token: requester.token })).body.disclosure).toBeUndefined();
  });

  describe('where the owner signed differential-privacy terms', () => {
    const dp = { epsilon: 0.5, budget: 1, period: 'month', bounds: { salary: { lower: 0, upper: 10_000_000 } } };

    it('differencing is allowed, but the noise hides the target; the budget stops repetition', { timeout: 180_000 }, async () => {
      const o = await owner('Owner DP');
      const all = await dataset(o, [...X, TARGET], { disclosure: { dp } });
      const allBut = await dataset(o, X, { disclosure: { dp } });
      const first = await ask({ operation: 'sum', inputs: [all] }, [o]);
      const second = await ask({ operation: 'sum', inputs: [allBut] }, [o]);
      // Two figures (sum and n) share ε = 0.5: the sum's scale is 10^7·2/0.5.
      for (const r of [first.result!, second.result!]) expect(r.noise).toMatchObject({ mechanism: 'discrete_laplace', epsilon: 0.5, scale: 4e7 });
      expect(first.result!.budget).toMatchObject({ spent: 0.5, remaining: 0.5 });
      expect(second.result!.budget).toMatchObject({ spent: 1, remaining: 0 });
      // An honest aggregate within its stated noise (e^−30 is the chance of a draw beyond 30 scales).
      expect(Math.abs((first.result!.value as number) - total([...X, TARGET]))).toBeLessThan(30 * 4e7);
      expect(discloses((first.result!.value as number) - (second.result!.value as number))).toBe(false);
      const third = await ask({ operation: 'count', inputs: [all] }, [o]);
      expect([third.status, third.refused?.code]).toEqual([403, 'PRIVACY_BUDGET_EXHAUSTED']);
      // Each spend is on the ledger, readable by the owner.
      const record = await api(url, 'GET', `/v1/ledger/records/${first.id}.privacy-spend.${o.id}.month`, { token: o.token });
      expect(record.body.record, record.text).toMatchObject({ type: 'compute.privacy', exporterId: o.id, data: { action: 'spend', epsilon: 0.5, budget: 1, recipientId: requester.id, period: `month:${new Date().toISOString().slice(0, 7)}` } });
    });

    it('the row layout is noised and budgeted as push-down is', { timeout: 120_000 }, async () => {
      const o = await owner('Owner DP rows');
      const all = await dataset(o, [...X, TARGET], { disclosure: { dp } });
      const pushed = await ask({ operation: 'sum', inputs: [all] }, [o]);
      const rows = await ask({ operation: 'sum', inputs: [all], pushdown: false }, [o]);
      for (const r of [pushed.result!, rows.result!]) {
        expect(r.noise).toMatchObject({ mechanism: 'discrete_laplace', epsilon: 0.5, scale: 4e7 });
        expect(Math.abs((r.value as number) - total([...X, TARGET]))).toBeLessThan(30 * 4e7);
      }
      expect(rows.result!.budget).toMatchObject({ spent: 1, remaining: 0 });
      expect((await ask({ operation: 'sum', inputs: [all], pushdown: false }, [o])).refused?.code).toBe('PRIVACY_BUDGET_EXHAUSTED');
    });

    it('a DP contract needs bounds for a summed column, and allows no PSI, a private join included', async () => {
      const o = await owner('Owner DP terms');
      const unbounded = await dataset(o, [...X, TARGET], { disclosure: { dp: { ...dp, bounds: {} } } });
      expect((await ask({ operation: 'sum', inputs: [unbounded] }, [o])).refused?.code).toBe('FORBIDDEN');
      const psi = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { purpose: 'analytics', column: 'employee_id', operation: 'psi', inputs: [unbounded] } });
      expect(psi.body.error.code).toBe('FORBIDDEN');
      // Nor a private join: the partner's values are encrypted on its machine, where nothing bounds them, so its sum cannot be noised.
      const bounded = await dataset(o, [...X, TARGET], { disclosure: { dp } });
      const join = await api(url, 'POST', '/v1/compute/jobs', { token: requester.token, json: { purpose: 'analytics', column: 'employee_id', operation: 'psi', mode: 'sum', inputs: [bounded] } });
      expect([join.status, join.body.error.code]).toEqual([403, 'FORBIDDEN']);
      // A count needs no bounds: it is noised with one row a person.
      const count = await ask({ operation: 'count', inputs: [unbounded] }, [o]);
      expect(count.result!.noise).toMatchObject({ epsilon: 0.5, scale: 2 });
      expect(Math.abs((count.result!.value as number) - 31)).toBeLessThan(60);
    });
  });
});
