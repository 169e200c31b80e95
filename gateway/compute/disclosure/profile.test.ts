import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OUTSIDE } from '../../../compute/index.ts';
import { deriveOwnerKeys } from './keys.ts';
import { JobProfile, type ProfileInput } from './profile.ts';
import { peel } from './sketch.ts';

const keys = new Map([
  ['a', deriveOwnerKeys(randomBytes(32))],
  ['b', deriveOwnerKeys(randomBytes(32))],
]);
const profile = (operation: 'sum' | 'histogram' | 'psi' | 'count', inputs: ProfileInput[], buckets?: number[]) => new JobProfile({ operation, buckets, width: 64, inputs, keys });
const rows = (ids: string[], salary = (i: number) => 1000 + i) => ({ values: ids.map((_, i) => salary(i)), subjects: ids });
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('JobProfile', () => {
  it('counts persons by subject across an owner’s inputs, rows where there is none, each owner apart', () => {
    const p = profile('sum', [
      { owner: 'a', weight: 1 },
      { owner: 'a', weight: 1 },
      { owner: 'b', weight: 1 },
    ]);
    p.add(0, rows(ids('P', 20)));
    p.add(1, rows(ids('P', 25)));
    p.add(2, { values: [1, 2, 3, 3] });
    const [a, b] = p.finish();
    expect(a).toMatchObject({ owner: 'a', dp: false, cells: [{ cell: 0, persons: 25, weight: 25 }] });
    expect(b).toMatchObject({ owner: 'b', cells: [{ cell: 0, persons: 4, weight: 4 }] });
  });

  it('sketches the same persons with the same values alike, whatever dataset carried them', () => {
    const measure = (...columns: ReturnType<typeof rows>[]) => {
      const p = profile('sum', columns.map(() => ({ owner: 'a', weight: 1 })));
      columns.forEach((c, i) => p.add(i, c));
      return p.finish()[0]!.cells[0]!.sketch!;
    };
    const key = keys.get('a')!.sketch;
    const all = measure(rows(ids('P', 40)));
    const split = measure(rows(ids('P', 40).slice(0, 15)), rows(ids('P', 40).slice(15), (i) => 1015 + i));
    expect(peel(key, [{ sketch: all, coefficient: 1 }, { sketch: split, coefficient: -1 }], 18)).toEqual({ kind: 'exact', persons: 0 });
    // One person with one more row: one person differs, however many rows it has.
    const more = measure(rows(ids('P', 40)), rows(['P3', 'P3']));
    expect(peel(key, [{ sketch: more, coefficient: 1 }, { sketch: all, coefficient: -1 }], 18)).toEqual({ kind: 'exact', persons: 1 });
    // A weight changes every value of its input.
    const weighted = new JobProfile({ operation: 'sum', width: 64, inputs: [{ owner: 'a', weight: 2 }], keys });
    weighted.add(0, rows(ids('P', 40)));
    expect(peel(key, [{ sketch: weighted.finish()[0]!.cells[0]!.sketch!, coefficient: 1 }, { sketch: all, coefficient: -1 }], 18)).toEqual({ kind: 'large' });
  });

  it('applies a contract’s DP terms to the rows it returns: clamping, and a person’s rows beyond the cap left out', () => {
    const p = profile('sum', [{ owner: 'a', weight: 1, dp: { lower: 0, upper: 100, rowsPerPerson: 2 } }]);
    const prepared = p.add(0, { values: [50, 500, -7, 60, 70], subjects: ['x', 'x', 'y', 'x', 'z'] });
    expect(prepared).toEqual({ values: [50, 100, 0, 70], subjects: ['x', 'x', 'y', 'z'] });
    const [share] = p.finish();
    expect(share).toMatchObject({ dp: true, cells: [{ persons: 3 }] });
    expect(share!.cells[0]!.sketch).toBeUndefined();
    // Inputs without DP terms come back untouched (the same column, not a copy).
    const plain = profile('sum', [{ owner: 'a', weight: 1 }]);
    const column = { values: [1, 2, 3] };
    expect(plain.add(0, column)).toBe(column);
  });

  it('counts persons per histogram bin and outside them, a person in two bins once in their union', () => {
    const p = profile('histogram', [{ owner: 'a', weight: 1 }], [0, 10, 20]);
    p.add(0, { values: [1, 2, 15, 25, 5, 16], subjects: ['u', 'v', 'w', 'x', 'y', 'y'] });
    const [share] = p.finish();
    expect(share!.cells.map((c) => c.persons)).toEqual([5, 3, 2]);
    expect(share!.share.count([OUTSIDE])).toBe(1);
    expect(share!.share.count([0, 1])).toBe(4);
    expect(share!.share.count([0, 1, OUTSIDE])).toBe(5);
  });

  it('treats a PSI column as a set of persons: repeats count once', () => {
    const p = profile('psi', [{ owner: 'a', weight: 1 }, { owner: 'a', weight: 1 }]);
    p.add(0, { values: ['id1', 'id2', 'id2'] });
    p.add(1, { values: ['id2', 'id3'] });
    const once = profile('psi', [{ owner: 'a', weight: 1 }]);
    once.add(0, { values: ['id3', 'id1', 'id2'] });
    const [twice] = p.finish();
    const [single] = once.finish();
    expect(twice!.cells[0]!.persons).toBe(3);
    expect(peel(keys.get('a')!.sketch, [{ sketch: twice!.cells[0]!.sketch!, coefficient: 1 }, { sketch: single!.cells[0]!.sketch!, coefficient: -1 }], 18)).toEqual({ kind: 'exact', persons: 0 });
  });
});
