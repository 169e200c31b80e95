import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { onBothDatabases } from '../../test/support/compliance/databases.ts';
import { assess } from './assess.ts';
import type { Scenario } from './scenario.ts';
import { SubjectCounter, type SubjectBatch } from './subject-counter.ts';

const subjects = (n: number) => Array.from({ length: n }, () => randomBytes(32));
const only = (personal: Uint8Array[], sensitive: Uint8Array[] = []): SubjectBatch => ({ personal, sensitive });

function scenario(date: string, kind: Scenario['scenario'] = 'general', important = false): Scenario {
  return {
    date,
    exporter: { ciio: false, ftz: null },
    scenario: kind,
    // Old-regime dates need the since-previous-year figures; their values do not matter to counting.
    data: { personal: 1, sensitive: 0, important, core: false, ...(date < '2024-03-22' ? { personalSincePreviousYear: 1, sensitiveSincePreviousYear: 0 } : {}) },
  };
}

describe('SubjectCounter (R-NO-SPLIT, R-EX-COUNT)', () => {
  onBothDatabases((open) => {
    it('counts a person once however many transfers carry them', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      const [a, b, c, d] = subjects(4) as [Buffer, Buffer, Buffer, Buffer];
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2026-03-01'), only([a, b, c, a])));
      expect(await counter.preview('exp', 2026, only([a, b, d, d]))).toMatchObject({ personal: 4, sensitive: 0 });
      const result = await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2026-04-01'), only([a, b, d])));
      expect(result).toEqual({ counted: true, counts: { year: 2026, personal: 4, sensitive: 0, personalSincePreviousYear: null, sensitiveSincePreviousYear: null } });
      // Another exporter and another year are other counts.
      expect((await counter.counts('other', 2026)).personal).toBe(0);
      expect((await counter.counts('exp', 2027)).personal).toBe(0);
    });

    it('keeps non-sensitive and sensitive PI apart, each de-duplicated', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      const [a, b, c] = subjects(3) as [Buffer, Buffer, Buffer];
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2026-01-01'), { personal: [a, b], sensitive: [b, c] }));
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2026-12-31'), { personal: [c], sensitive: [c] }));
      expect(await counter.counts('exp', 2026)).toMatchObject({ personal: 3, sensitive: 2 });
    });

    it('previews the counts including the batch without writing anything', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      const batch = subjects(1000);
      expect(await counter.preview('exp', 2026, only(batch, batch.slice(0, 10)))).toMatchObject({ personal: 1000, sensitive: 10 });
      expect(await counter.counts('exp', 2026)).toMatchObject({ personal: 0, sensitive: 0 });
    });

    it('does not count exports under an exemption scenario (R-EX-COUNT)', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      const commit = (s: Scenario) => database.db.transaction().execute((trx) => counter.commit(trx, 'exp', s, only(subjects(5))));
      for (const kind of ['trade_no_pi', 'foreign_origin', 'contract_with_individual', 'hr', 'emergency'] as const) {
        expect((await commit(scenario('2026-02-01', kind))).counted).toBe(false);
      }
      expect((await commit(scenario('2025-01-01', 'statutory_duty'))).counted).toBe(false);
      expect(await counter.counts('exp', 2026)).toMatchObject({ personal: 0 });
      // R-EX7 is not in force in 2024, and an exemption defeated by important data (R-EX-IMP) counts.
      expect((await commit(scenario('2024-12-31', 'statutory_duty'))).counts.personal).toBe(5);
      expect((await commit(scenario('2026-02-01', 'hr', true))).counts.personal).toBe(5);
      // R-EX6 is itself a count, so exports it covers are counted.
      expect((await commit(scenario('2026-02-02', 'general'))).counts.personal).toBe(10);
    });

    it('keeps the 2022 regime window since 1 January of the previous year, counting PI of any kind', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      const [a, b, c, d, e] = subjects(5) as [Buffer, Buffer, Buffer, Buffer, Buffer];
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2022-10-01'), { personal: [a, b], sensitive: [c] }));
      expect(await counter.counts('exp', 2023)).toEqual({ year: 2023, personal: 0, sensitive: 0, personalSincePreviousYear: 3, sensitiveSincePreviousYear: 1 });
      expect(await counter.preview('exp', 2023, { personal: [a, d], sensitive: [c, e] })).toEqual({
        year: 2023,
        personal: 2,
        sensitive: 2,
        personalSincePreviousYear: 5,
        sensitiveSincePreviousYear: 2,
      });
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2023-05-01'), { personal: [a, d], sensitive: [c, e] }));
      expect(await counter.counts('exp', 2023)).toEqual({ year: 2023, personal: 2, sensitive: 2, personalSincePreviousYear: 5, sensitiveSincePreviousYear: 2 });
      // 2024 opens a new window over 2023 only; the previous-year window ends with the 2022 regime.
      expect(await counter.counts('exp', 2024)).toMatchObject({ personalSincePreviousYear: 4, sensitiveSincePreviousYear: 2 });
      expect(await counter.counts('exp', 2025)).toMatchObject({ personalSincePreviousYear: null, sensitiveSincePreviousYear: null });
    });

    it('grows the next window when a transfer is recorded late into the previous year', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      const [a, b, c] = subjects(3) as [Buffer, Buffer, Buffer];
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2023-02-01'), only([a, b])));
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2022-12-01'), only([b, c])));
      expect(await counter.counts('exp', 2023)).toMatchObject({ personal: 2, personalSincePreviousYear: 3 });
      expect(await counter.counts('exp', 2022)).toMatchObject({ personal: 2, personalSincePreviousYear: 2 });
    });

    it('forgets a rolled-back commit, also in its in-memory copy', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      const other = new SubjectCounter(database);
      const [a, b, c] = subjects(3) as [Buffer, Buffer, Buffer];
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2026-01-05'), only([a])));
      await expect(
        database.db.transaction().execute(async (trx) => {
          await counter.commit(trx, 'exp', scenario('2026-01-06'), only([b]));
          // Read inside the transaction, so the copy holds the chunk about to be rolled back.
          expect(await counter.preview('exp', 2026, only([b]), trx)).toMatchObject({ personal: 2 });
          throw new Error('transfer failed after counting');
        }),
      ).rejects.toThrow('transfer failed');
      expect(await counter.preview('exp', 2026, only([b]))).toMatchObject({ personal: 2 });
      // A different chunk now takes the rolled-back sequence number; both copies must see it.
      await database.db.transaction().execute((trx) => other.commit(trx, 'exp', scenario('2026-01-07'), only([c])));
      expect(await counter.preview('exp', 2026, only([a, b, c]))).toMatchObject({ personal: 3 });
      expect(await other.preview('exp', 2026, only([a, b, c]))).toMatchObject({ personal: 3 });
    });

    it('stays exact across counters that share the database (several processes)', async () => {
      const database = await open();
      const first = new SubjectCounter(database);
      const second = new SubjectCounter(database);
      const batch = subjects(2000);
      await database.db.transaction().execute((trx) => first.commit(trx, 'exp', scenario('2026-06-01'), only(batch.slice(0, 1500))));
      expect((await second.preview('exp', 2026, only(batch))).personal).toBe(2000);
      await database.db.transaction().execute((trx) => second.commit(trx, 'exp', scenario('2026-06-02'), only(batch.slice(1000))));
      expect((await first.preview('exp', 2026, only(batch))).personal).toBe(2000);
      expect((await first.counts('exp', 2026)).personal).toBe(2000);
    });

    it('rejects subject hashes shorter than 16 bytes', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      await expect(counter.preview('exp', 2026, only([new Uint8Array(15)]))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('lets only one of two racing transfers near a threshold through (lockExporter)', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario('2026-07-01'), only(subjects(99_990))));
      // Each transfer alone stays under R-EX6's 100,000; together they would cross it.
      const transfer = (batch: Uint8Array[]) =>
        database.db.transaction().execute(async (trx) => {
          await counter.lockExporter(trx, 'exp');
          const counts = await counter.preview('exp', 2026, only(batch), trx);
          const s = { ...scenario('2026-07-02'), data: { ...scenario('2026-07-02').data, personal: counts.personal } };
          if (assess(s).mechanism !== 'none') return 'blocked';
          await sleep(100);
          await counter.commit(trx, 'exp', s, only(batch));
          return 'sent';
        });
      const outcomes = await Promise.all([transfer(subjects(6)), transfer(subjects(6))]);
      expect(outcomes.sort()).toEqual(['blocked', 'sent']);
      expect((await counter.counts('exp', 2026)).personal).toBe(99_996);
    });
  });
});
