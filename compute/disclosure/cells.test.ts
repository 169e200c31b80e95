import { describe, expect, it } from 'vitest';
import { OUTSIDE, rowShare, suppressCells } from './cells.ts';

describe('suppressCells', () => {
  it('releases a histogram whose every bin and the outside cell hold 0 or ≥ floor', () => {
    expect(suppressCells(3, [rowShare([12, 0, 40], 52)], 10)).toEqual([]);
  });

  it('suppresses a small bin and, since n is released, the smallest other occupied bin with it', () => {
    // n − (released bins) would give the 3 back exactly: a second bin must go.
    expect(suppressCells(4, [rowShare([30, 3, 12, 50], 95)], 10)).toEqual([
      { cell: 1, reason: 'primary' },
      { cell: 2, reason: 'secondary' },
    ]);
  });

  it('treats the values outside every bin as a cell: a few of them force suppression too', () => {
    // 2 rows fall outside: n − Σbins = 2 would single them out.
    expect(suppressCells(2, [rowShare([40, 25], 67)], 10)).toEqual([{ cell: 1, reason: 'secondary' }]);
    // A lone suppressed bin beside a large outside cell is not derivable on its own.
    expect(suppressCells(2, [rowShare([40, 4], 64)], 10)).toEqual([{ cell: 1, reason: 'primary' }]);
  });

  it('keeps adding bins until the derivable total covers the floor', () => {
    // Four small bins hold 10 together: enough, the large one stays.
    expect(suppressCells(5, [rowShare([2, 3, 1, 100, 4], 110)], 10).map((s) => s.cell)).toEqual([0, 1, 2, 4]);
    // Three small bins hold 6: the large one must go too.
    const share = rowShare([2, 3, 1, 100], 106);
    const hidden = suppressCells(4, [share], 10).map((s) => s.cell);
    expect(hidden).toEqual([0, 1, 2, 3]);
    expect(share.count([...hidden, OUTSIDE])).toBeGreaterThanOrEqual(10);
  });

  it('judges each share on its own persons and keeps forced cells', () => {
    const a = rowShare([50, 50, 50], 150);
    const b = rowShare([0, 2, 30], 32);
    // Bin 1 holds 2 of b's persons; bin 2, where b has 30, hides them — not bin 0, where b has none.
    expect(suppressCells(3, [a, b], 10).map((s) => s.cell)).toEqual([1, 2]);
    expect(suppressCells(3, [a], 10, [{ cell: 2, reason: 'primary' }])).toEqual([
      { cell: 0, reason: 'secondary' },
      { cell: 2, reason: 'primary' },
    ]);
  });
});
