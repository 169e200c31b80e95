import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { sealColumns } from './chunks.ts';
import { inOrder, ColumnThreads } from './column-threads.ts';
import { openColumns, openColumnTask } from './columns.ts';
import type { DataRecord } from './records.ts';
import type { DatasetField } from './schemas.ts';

const fields = [
  { name: 'id', type: 'string', category: 'personal', subject: true },
  { name: 'amount', type: 'number', category: 'general' },
  { name: 'rate', type: 'number', category: 'general' },
] as DatasetField[];

const recordsOf = (seq: number, rows: number): DataRecord[] => Array.from({ length: rows }, (_, i) => ({ id: `p-${seq}-${i}`, amount: i % 7 === 0 ? null : seq * 1000 + i + 0.25, rate: -i }));

async function* items<T>(list: readonly T[]): AsyncGenerator<T> {
  yield* list;
}

describe('column threads', () => {
  it('open by-column copies off the main thread, exactly as the main thread does, and fail closed on an altered one', async () => {
    const dek = randomBytes(16);
    const threads = new ColumnThreads(2);
    try {
      const sealed = [0, 1, 2, 3, 4].map((seq) => sealColumns(dek, 'ds', 'up', seq, recordsOf(seq, 100 + 300 * seq), fields));
      const opened = await Promise.all(sealed.map((s, seq) => threads.open({ key: Uint8Array.from(dek), datasetId: 'ds', uploadId: 'up', seq, sealed: s, field: 'amount' })));
      opened.forEach((o, seq) => {
        const main = openColumns(dek, 'ds', 'up', seq, sealed[seq]!);
        expect([...o!.values]).toEqual([...main.numbers.get('amount')!]);
        expect(o!.subjects).toEqual(main.subjects);
      });
      // A field the copy does not hold: null, for the caller to read the records.
      expect(await threads.open({ key: Uint8Array.from(dek), datasetId: 'ds', uploadId: 'up', seq: 0, sealed: sealed[0]!, field: 'id' })).toBeNull();

      const altered = Uint8Array.from(sealed[2]!);
      altered[40]! ^= 1;
      const failure = { code: 'INTERNAL', message: 'stored dataset columns failed authentication' };
      await expect(threads.open({ key: Uint8Array.from(dek), datasetId: 'ds', uploadId: 'up', seq: 2, sealed: altered, field: 'amount' })).rejects.toMatchObject(failure);
      // Moved to another place: the same refusal.
      await expect(threads.open({ key: Uint8Array.from(dek), datasetId: 'ds', uploadId: 'up', seq: 3, sealed: sealed[2]!, field: 'amount' })).rejects.toMatchObject(failure);
      // The threads keep working after a refusal.
      expect((await threads.open({ key: Uint8Array.from(dek), datasetId: 'ds', uploadId: 'up', seq: 1, sealed: sealed[1]!, field: 'rate' }))!.values[5]).toBe(-5);
    } finally {
      await threads.close();
    }
  });

  it("zero the thread's copy of the data key after each task, opened or refused", () => {
    const dek = randomBytes(16);
    const sealed = sealColumns(dek, 'ds', 'up', 0, recordsOf(0, 10), fields);
    const key = Uint8Array.from(dek);
    expect(openColumnTask({ key, datasetId: 'ds', uploadId: 'up', seq: 0, sealed, field: 'amount' })!.values).toHaveLength(10);
    expect([...key]).toEqual(new Array(16).fill(0));
    const refused = Uint8Array.from(dek);
    expect(() => openColumnTask({ key: refused, datasetId: 'other', uploadId: 'up', seq: 0, sealed, field: 'amount' })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect([...refused]).toEqual(new Array(16).fill(0));
  });
});

describe('inOrder', () => {
  it('yields in the items’ order whichever finishes first, with at most `ahead` started and not yet yielded', async () => {
    let running = 0;
    let most = 0;
    // Later items finish sooner: a yield in finishing order would come out reversed.
    const start = async (n: number) => {
      running++;
      most = Math.max(most, running);
      await sleep(2 * (10 - n));
      return n * n;
    };
    const seen: [number, number][] = [];
    for await (const [item, result] of inOrder(items([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 3, start)) {
      seen.push([item, result]);
      running--;
    }
    expect(seen).toEqual(Array.from({ length: 10 }, (_, n) => [n, n * n]));
    expect(most).toBe(3);
  });

  it('throws a failure at its turn, after the results before it, and stops reading the items', async () => {
    let read = 0;
    async function* counted(): AsyncGenerator<number> {
      for (let n = 0; n < 100; n++) {
        read++;
        yield n;
      }
    }
    const start = async (n: number) => {
      await sleep(n === 2 ? 1 : 10);
      if (n === 2) throw new Error('chunk 2 refused');
      return n;
    };
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const [, result] of inOrder(counted(), 2, start)) seen.push(result);
      })(),
    ).rejects.toThrow('chunk 2 refused');
    expect(seen).toEqual([0, 1]);
    expect(read).toBeLessThan(10);
  });
});
