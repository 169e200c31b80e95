import { OUTSIDE, type CellShare } from '../../../compute/index.ts';
import type { Value } from '../../datasets/records.ts';
import type { ColumnValues } from '../inputs.ts';
import type { JobOperation } from '../tables.ts';
import { fmix, mod32, P } from './field.ts';
import type { OwnerKeys } from './keys.ts';
import { MANY_BINS, PersonTable } from './persons.ts';
import { Sketch } from './sketch.ts';

/** How one input's rows enter the job. */
export interface ProfileInput {
  owner: string;
  /** Its contract's differential-privacy terms: values clamped to [lower, upper], at most `rowsPerPerson` rows a person. */
  dp?: { lower?: number; upper?: number; rowsPerPerson: number };
  /** weightedSum: the input's weight; 1 otherwise. */
  weight: number;
}

export interface ProfileOptions {
  operation: JobOperation;
  buckets?: readonly number[];
  /** Sketch width (cells per subtable). */
  width: number;
  inputs: readonly ProfileInput[];
  keys: ReadonlyMap<string, OwnerKeys>;
}

/** One released cell of one owner's share: persons in it, and (audited shares) its difference sketch. */
export interface CellProfile {
  /** 0: the whole job (its n, sum, …); b + 1: histogram bin b. */
  cell: number;
  persons: number;
  /** Σ multiplicities in the sketch: persons with a subject plus rows without one. */
  weight: number;
  sketch?: Sketch;
}

export interface ShareProfile {
  owner: string;
  /** Every input of the owner carries DP terms: noise protects it, the audit does not apply. */
  dp: boolean;
  cells: CellProfile[];
  /** Persons per bin and outside every bin, for cell suppression (histograms). */
  share: CellShare;
}

/** Rows hashed per batch handed to the sketch. */
const PAIRS = 4096;
const numberBits = new Float64Array(1);
const numberWords = new Uint32Array(numberBits.buffer);

/**
 * What a job reveals, measured on the owners' plaintext as it is read: per owner and per
 * released cell, the persons covered and a sketch of (person, multiset of the person's values)
 * elements — rows without a subject are value elements, each occurrence a person. Comparing
 * sketches of two releases tells how many persons' contributions differ, however the sets were
 * assembled (other datasets holding copies of the same persons and values included). It also
 * applies the contracts' DP preparation: clamping and the rows-per-person cap, in row order.
 * Works on whatever the job encrypts afterwards (rows or partial aggregates): it only needs
 * the subject column and the values.
 */
export class JobProfile {
  readonly #options: ProfileOptions;
  readonly #shares = new Map<string, ShareState>();
  readonly #bins: number;
  readonly #hashOut = new Uint32Array(2);
  #h1 = 0;
  #h2 = 0;
  readonly #pairs = new Uint32Array(2 * PAIRS);

  constructor(options: ProfileOptions) {
    this.#options = options;
    this.#bins = options.operation === 'histogram' ? options.buckets!.length - 1 : 0;
    for (const input of options.inputs) {
      const state = this.#shares.get(input.owner);
      const dp = input.dp !== undefined;
      if (state) state.dp &&= dp;
      else this.#shares.set(input.owner, { dp, table: new PersonTable(), tagRows: new Array<number>(this.#bins + 2).fill(0), sketches: [] });
    }
  }

  /**
   * One input's column, in input order; returns the rows the job computes on: clamped and
   * capped where the input's contract carries DP terms, the column itself otherwise.
   */
  add(index: number, column: ColumnValues): ColumnValues {
    const input = this.#options.inputs[index]!;
    const keys = this.#options.keys.get(input.owner)!;
    const state = this.#shares.get(input.owner)!;
    const { operation } = this.#options;
    // The common case, rows without a subject summed as they are: one tight loop.
    if (!column.subjects && !input.dp && this.#bins === 0 && operation !== 'count' && operation !== 'psi') {
      this.#addValues(column.values as number[], input.weight, keys, state);
      return column;
    }
    const numeric = operation !== 'count' && operation !== 'psi';
    const prepare = input.dp !== undefined;
    const values: Value[] = [];
    const subjects: Value[] = [];
    const cap = input.dp?.rowsPerPerson ?? Infinity;
    const out = this.#hashOut;
    for (let r = 0; r < column.values.length; r++) {
      let value = column.values[r]!;
      // PSI: the value is the identifier, so the person.
      const subject = operation === 'psi' ? value : (column.subjects?.[r] ?? null);
      let q1 = 0;
      let q2 = 0;
      let whole = -1;
      if (subject !== null) {
        keys.person.hash(String(subject), out);
        q1 = (out[0]! % (P - 1)) + 1;
        q2 = mod32(out[1]!);
        whole = state.table.entry(0, q1, q2);
        if (state.table.rows(whole) >= cap) continue;
      }
      if (numeric && input.dp) value = clamp(value as number, input.dp.lower, input.dp.upper);
      if (prepare) {
        values.push(value);
        if (column.subjects) subjects.push(column.subjects[r] ?? null);
      }
      const tag = this.#bins > 0 ? this.#tagOf(value as number) : 0;
      // A PSI element is its identifier alone: no values.
      if (operation === 'psi') this.#h1 = this.#h2 = 0;
      else this.#valueHash(numeric ? (value as number) * input.weight : value, keys);
      const h1 = this.#h1;
      const h2 = this.#h2;
      if (whole >= 0) {
        state.table.addRow(whole, h1, h2);
        if (tag > 0) {
          state.table.addRow(state.table.entry(tag, q1, q2), h1, h2);
          state.table.noteBin(whole, tag);
        }
      } else {
        state.tagRows[0]! += 1;
        if (tag > 0) state.tagRows[tag]! += 1;
        if (!state.dp) {
          this.#sketch(state, keys, 0).add(h1, h2, 0, 0);
          if (tag <= this.#bins && tag > 0) this.#sketch(state, keys, tag).add(h1, h2, 0, 0);
        }
      }
    }
    if (!prepare) return column;
    return column.subjects ? { values, subjects } : { values };
  }

  #addValues(values: readonly number[], weight: number, keys: OwnerKeys, state: ShareState): void {
    state.tagRows[0]! += values.length;
    if (state.dp) return;
    const sketch = this.#sketch(state, keys, 0);
    const pairs = this.#pairs;
    const [k0, k1, k2] = [keys.mix[0]!, keys.mix[1]!, keys.mix[2]!];
    for (let from = 0; from < values.length; from += PAIRS) {
      const count = Math.min(PAIRS, values.length - from);
      for (let r = 0; r < count; r++) {
        const value = values[from + r]! * weight;
        numberBits[0] = value === 0 ? 0 : value;
        const b = fmix((fmix(numberWords[0]! ^ k0) + (numberWords[1]! ^ k1)) >>> 0);
        pairs[2 * r] = mod32(b);
        pairs[2 * r + 1] = mod32(fmix(b ^ k2));
      }
      sketch.addValues(pairs, count);
    }
  }

  /** Per owner: persons and sketches of the whole job and of each bin, and its cell counts. */
  finish(): ShareProfile[] {
    return [...this.#shares].map(([owner, state]) => this.#finishShare(owner, state));
  }

  #finishShare(owner: string, state: ShareState): ShareProfile {
    const keys = this.#options.keys.get(owner)!;
    const bins = this.#bins;
    const persons = [...state.tagRows];
    // Persons whose rows fall in one bin count there; those in several are kept apart for unions.
    const single = new Array<number>(bins + 2).fill(0);
    const many = new Map<string, Set<number>>();
    const psi = this.#options.operation === 'psi';
    state.table.scan((tag, q1, q2, ms1, ms2, rows) => {
      persons[tag]! += 1;
      if (tag > 0) {
        if (state.table.bins(state.table.entry(0, q1, q2)) === MANY_BINS) {
          const key = `${q1}:${q2}`;
          many.set(key, (many.get(key) ?? new Set()).add(tag));
        } else single[tag]! += 1;
      }
      if (state.dp || tag > bins) return;
      // A PSI set holds an identifier once however many rows repeat it.
      elementKey(keys.mix, q1, q2, ms1, ms2, psi ? 1 : rows, this.#hashOut);
      this.#sketch(state, keys, tag).add(this.#hashOut[0]!, this.#hashOut[1]!, q1, q2);
    });
    const released = bins === 0 ? [0] : [...Array(bins + 1).keys()];
    // Each person is one element of multiplicity 1, each row without a subject one of a value: the weight is the persons.
    const cells = released.map((tag) => ({ cell: tag, persons: persons[tag]!, weight: persons[tag]!, ...(state.dp ? {} : { sketch: this.#sketch(state, keys, tag) }) }));
    const tagOf = (cell: number) => (cell === OUTSIDE ? bins + 1 : cell + 1);
    const share: CellShare = {
      count: (of) => {
        const tags = new Set(of.map(tagOf));
        let n = 0;
        for (const tag of tags) n += single[tag]! + state.tagRows[tag]!;
        for (const touched of many.values()) if ([...touched].some((t) => tags.has(t))) n++;
        return n;
      },
    };
    return { owner, dp: state.dp, cells, share };
  }

  /** Tag of a value: bin b → b + 1, outside every bin → bins + 1. */
  #tagOf(value: number): number {
    const buckets = this.#options.buckets!;
    if (!(value >= buckets[0]!) || !(value < buckets[buckets.length - 1]!)) return this.#bins + 1;
    let lo = 0;
    let hi = buckets.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (value >= buckets[mid]!) lo = mid;
      else hi = mid;
    }
    return lo + 1;
  }

  /** The keyed hash of a value, left in #h1, #h2 (no array per row). */
  #valueHash(value: Value, keys: OwnerKeys): void {
    if (typeof value === 'number') {
      numberBits[0] = value === 0 ? 0 : value;
      const k = keys.mix;
      const b = fmix((fmix(numberWords[0]! ^ k[0]!) + (numberWords[1]! ^ k[1]!)) >>> 0);
      this.#h1 = mod32(b);
      this.#h2 = mod32(fmix(b ^ k[2]!));
      return;
    }
    keys.value.hash(String(value), this.#hashOut);
    this.#h1 = mod32(this.#hashOut[0]!);
    this.#h2 = mod32(this.#hashOut[1]!);
  }

  #sketch(state: ShareState, keys: OwnerKeys, tag: number): Sketch {
    return (state.sketches[tag] ??= new Sketch(keys.sketch, this.#options.width));
  }
}

interface ShareState {
  dp: boolean;
  table: PersonTable;
  /** Rows without a subject per tag (each is a person). */
  tagRows: number[];
  sketches: Sketch[];
}

/** A person's element, written into `out`: its key and the multiset of its values in the cell, mixed under the owner's key. */
function elementKey(k: Uint32Array, q1: number, q2: number, ms1: number, ms2: number, rows: number, out: Uint32Array): void {
  let a = fmix(q1 ^ k[4]!);
  a = fmix(((a + q2) >>> 0) ^ k[5]!);
  a = fmix(((a + ms1) >>> 0) ^ rows);
  a = fmix((a + ms2) >>> 0);
  let b = fmix(q2 ^ k[6]!);
  b = fmix(((b + q1) >>> 0) ^ k[7]!);
  b = fmix(((b + ms2) >>> 0) ^ rows);
  b = fmix((b + ms1) >>> 0);
  out[0] = mod32(a);
  out[1] = mod32(b);
}

function clamp(value: number, lower = -Infinity, upper = Infinity): number {
  return value < lower ? lower : value > upper ? upper : value;
}
