import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditCells, type AuditCell } from './audit.ts';
import { P } from './field.ts';
import { Sketch, SketchKey } from './sketch.ts';

const key = new SketchKey(new Uint32Array(randomBytes(32).buffer));
let next = 0;

/** A figure over these persons (ids), as the profile would sketch it. */
function cell(ids: readonly number[], jobId = `job_${next++}`): AuditCell {
  const sketch = new Sketch(key, 64);
  for (const id of ids) sketch.add((id * 2654435761) % P, (id * 97 + 5) % P, id + 1, 1);
  return { jobId, weight: ids.length, persons: ids.length, digest: [...ids].sort((a, b) => a - b).join(','), sketch };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('auditCells', () => {
  it('passes figures over the same persons, and over sets far apart', () => {
    const all = range(0, 200);
    expect(auditCells(key, [cell(all)], [cell(all)], 10).risk).toBeUndefined();
    expect(auditCells(key, [cell(range(0, 100))], [cell(all), cell(range(300, 400))], 10).risk).toBeUndefined();
  });

  it('refuses a figure whose persons differ from an earlier one by fewer than the floor', () => {
    const all = range(0, 200);
    expect(auditCells(key, [cell([...all, 999])], [cell(all)], 10)).toMatchObject({ risk: 'differencing' });
    expect(auditCells(key, [cell(all.slice(0, 191))], [cell(all)], 10)).toMatchObject({ risk: 'differencing' });
    // Ten persons apart is a group as large as the floor.
    expect(auditCells(key, [cell(all.slice(0, 190))], [cell(all)], 10).risk).toBeUndefined();
  });

  it('refuses the third figure of a tracker: D1 − D2 + D3 isolates one person though every pair is ≥ floor apart', () => {
    const x = range(0, 100);
    const y = range(500, 515);
    const d1 = cell([...x, 7777]);
    const d2 = cell([...x, ...y]);
    expect(auditCells(key, [d2], [d1], 10).risk).toBeUndefined();
    expect(auditCells(key, [cell(y)], [d1, d2], 10)).toMatchObject({ risk: 'tracker' });
    // In another order: D3 first, then D1; D2 is the one that closes the loop.
    expect(auditCells(key, [cell([...x, ...y])], [cell(y), cell([...x, 7777])], 10)).toMatchObject({ risk: 'tracker' });
  });

  it('combines a job’s own cells: two bins and the whole job leave a third, small, group', () => {
    const a = range(0, 40);
    const b = range(40, 80);
    const c = range(80, 83);
    expect(auditCells(key, [cell([...a, ...b, ...c]), cell(a), cell(b)], [], 10)).toMatchObject({ risk: 'tracker' });
    expect(auditCells(key, [cell([...a, ...b, ...c]), cell(a), cell(b)], [], 3).risk).toBeUndefined();
  });

  it('reports the nearest earlier figure for the owners', () => {
    const all = range(0, 300);
    const result = auditCells(key, [cell(all)], [cell(all.slice(0, 280), 'job_near'), cell(range(1000, 1300), 'job_far')], 10);
    expect(result).toEqual({ closest: { jobId: 'job_near', differingPersons: 20 } });
  });
});
