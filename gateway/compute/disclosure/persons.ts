import { fmix, P } from './field.ts';

/** Tag of an entry: the cell it is in (0 = the whole job; bins and the outside cell after it). */
const FIELDS = 7;
const [TAG, Q1, Q2, MS1, MS2, ROWS, BINS] = [0, 1, 2, 3, 4, 5, 6];
/** `bins` of a person's whole-job entry: no bin yet, or more than one. */
export const NO_BIN = -1;
export const MANY_BINS = -2;

/**
 * Per (cell, person): the multiset of the person's values in that cell, as two sums of keyed
 * value hashes modulo p, and its row count. Open addressing over one Uint32Array (28 bytes an
 * entry, no object per person), because a job may cover millions of persons. A person key
 * (q1, q2) has q1 ≠ 0, so q1 = 0 marks a free slot.
 */
export class PersonTable {
  #slots: Uint32Array;
  #mask: number;
  size = 0;

  constructor(capacity = 1024) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, capacity / 0.7)));
    this.#slots = new Uint32Array(slots * FIELDS);
    this.#mask = slots - 1;
  }

  /** The entry of (tag, person), created empty when absent; an index for the accessors below. */
  entry(tag: number, q1: number, q2: number): number {
    const slots = this.#slots;
    let i = (fmix(q1 ^ Math.imul(tag + 1, 0x9e3779b1)) ^ q2) & this.#mask;
    for (;;) {
      const at = i * FIELDS;
      const held = slots[at + Q1]!;
      if (held === 0) {
        if ((this.size + 1) / (this.#mask + 1) > 0.7) {
          this.#grow();
          return this.entry(tag, q1, q2);
        }
        slots[at + TAG] = tag;
        slots[at + Q1] = q1;
        slots[at + Q2] = q2;
        slots[at + BINS] = NO_BIN >>> 0;
        this.size++;
        return at;
      }
      if (held === q1 && slots[at + Q2] === q2 && slots[at + TAG] === tag) return at;
      i = (i + 1) & this.#mask;
    }
  }

  rows(at: number): number {
    return this.#slots[at + ROWS]!;
  }

  /** Adds one row of value hash (h1, h2) to the entry. */
  addRow(at: number, h1: number, h2: number): void {
    const s = this.#slots;
    const m1 = s[at + MS1]! + h1;
    const m2 = s[at + MS2]! + h2;
    s[at + MS1] = m1 >= P ? m1 - P : m1;
    s[at + MS2] = m2 >= P ? m2 - P : m2;
    s[at + ROWS]! += 1;
  }

  /** Notes on a whole-job entry which bin its person's rows fall in: one, or several. */
  noteBin(at: number, tag: number): void {
    const s = this.#slots;
    const seen = s[at + BINS]! | 0;
    if (seen === NO_BIN) s[at + BINS] = tag;
    else if (seen !== tag) s[at + BINS] = MANY_BINS >>> 0;
  }

  bins(at: number): number {
    return this.#slots[at + BINS]! | 0;
  }

  /** Calls `visit` with every entry's tag, person, multiset sums and rows (no object per entry). */
  scan(visit: (tag: number, q1: number, q2: number, ms1: number, ms2: number, rows: number) => void): void {
    const s = this.#slots;
    for (let at = 0; at < s.length; at += FIELDS) {
      if (s[at + Q1] !== 0) visit(s[at + TAG]!, s[at + Q1]!, s[at + Q2]!, s[at + MS1]!, s[at + MS2]!, s[at + ROWS]!);
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    this.#mask = this.#mask * 2 + 1;
    this.size = 0;
    for (let at = 0; at < old.length; at += FIELDS) {
      if (old[at + Q1] === 0) continue;
      const to = this.entry(old[at + TAG]!, old[at + Q1]!, old[at + Q2]!);
      for (const f of [MS1, MS2, ROWS, BINS]) this.#slots[to + f] = old[at + f]!;
    }
  }
}
