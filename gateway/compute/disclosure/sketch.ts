import { SluiceError } from '../../../common/index.ts';
import { fmix, inverse, mod, mod32, mulmod, P, signed } from './field.ts';

/**
 * An invertible Bloom lookup table (Goodrich–Mitzenmacher; Eppstein et al.'s "What's the
 * difference?") over the prime field of field.ts, so it is linear: the sketch of C minus the
 * sketch of R is the sketch of their difference, whatever they share — and any ±1 combination
 * of sketches is the sketch of that combination. When the difference has few elements it can be
 * listed (peeled), which answers "how many persons differ" exactly while storing kilobytes per
 * released figure instead of its covered persons.
 *
 * An element is a 62-bit key (a1, a2) with a person (q1, q2) — (0, 0) for an element that is a
 * value rather than a person (rows without a subject: each occurrence is a person) — added with
 * a multiplicity. Three subtables of `width` cells each; every cell holds six residues: count,
 * Σa1, Σa2, Σq1, Σq2 and Σcheck, where check is a keyed hash of the element that tells a cell
 * holding one element (any multiplicity) from a mixture. Element keys are keyed hashes already
 * (profile.ts), so an element's cells are bits of its key: the low bits of a1, of a1 >>> 11 and
 * of a2 — low bits, so a sketch folds to any smaller power-of-two width.
 */
export const SUBTABLES = 3;
const LANES = 6;
/** Widths up to 2^11: the second subtable reads bits 11… of a1. */
const MAX_WIDTH = 2048;

/** The check of an element is keyed: the requester cannot shape a mixture that passes for one element. */
export class SketchKey {
  readonly #k0: number;
  readonly #k1: number;

  constructor(words: Uint32Array) {
    if (words.length < 2) throw new SluiceError('INTERNAL', 'a sketch key has 2 words');
    this.#k0 = words[0]!;
    this.#k1 = words[1]!;
  }

  check(a1: number, a2: number, q1: number, q2: number): number {
    return check(this.#k0, this.#k1, a1, a2, q1, q2);
  }

  get words(): [number, number] {
    return [this.#k0, this.#k1];
  }
}

function check(k0: number, k1: number, a1: number, a2: number, q1: number, q2: number): number {
  return mod32(fmix((((a1 ^ k0) + Math.imul(a2 ^ k1, 0x9e3779b1)) ^ Math.imul(q1, 0x85ebca6b) ^ Math.imul(q2, 0xc2b2ae35)) >>> 0));
}

/** The cell of an element in subtable t of a sketch `width` wide. */
function position(t: number, a1: number, a2: number, width: number): number {
  const bits = t === 0 ? a1 : t === 1 ? a1 >>> 11 : a2;
  return (bits & (width - 1)) + t * width;
}

/** A sketch as peeling reads it: reduced residues, lane-major (lane × cells + cell). */
export interface SketchLanes {
  width: number;
  lanes: ArrayLike<number>;
}

export type SketchOutcome =
  /** Everything peeled: the combination's persons, counted exactly. */
  | { kind: 'exact'; persons: number }
  /** More elements than `maxElements`: the combination covers more persons than matter. */
  | { kind: 'large' }
  /** Peeling stalled on a knot: the difference may be small; `persons` were peeled before it. */
  | { kind: 'undecidable'; persons: number };

/** A sketch being built from a job's rows. Exact sums in doubles while building; `reduce` brings them into [0, p). */
export class Sketch implements SketchLanes {
  readonly width: number;
  readonly lanes: Float64Array;
  #unreduced = 0;

  constructor(
    readonly key: SketchKey,
    width: number,
  ) {
    if (!Number.isInteger(Math.log2(width)) || width < 16 || width > MAX_WIDTH) throw new SluiceError('INTERNAL', 'sketch width must be a power of two from 16 to 2048');
    this.width = width;
    this.lanes = new Float64Array(LANES * SUBTABLES * width);
  }

  /** Adds an element once; a1, a2, q1, q2 in [0, p). q = (0, 0): a value element. */
  add(a1: number, a2: number, q1: number, q2: number): void {
    const w = this.width;
    const cells = SUBTABLES * w;
    const lanes = this.lanes;
    const g = this.key.check(a1, a2, q1, q2);
    const mask = w - 1;
    for (let t = 0; t < SUBTABLES; t++) {
      const i = ((t === 0 ? a1 : t === 1 ? a1 >>> 11 : a2) & mask) + t * w;
      lanes[i]! += 1;
      lanes[cells + i]! += a1;
      lanes[2 * cells + i]! += a2;
      if (q1 !== 0 || q2 !== 0) {
        lanes[3 * cells + i]! += q1;
        lanes[4 * cells + i]! += q2;
      }
      lanes[5 * cells + i]! += g;
    }
    // Each lane gains < 2^31 per add: reduce before 2^22 adds could leave a double's exact range.
    if (++this.#unreduced === 1 << 21) this.reduce();
  }

  /**
   * Adds `count` value elements (q = 0) given as (a1, a2) pairs — the hot path of a large
   * column without subjects, in one loop without a call per row.
   */
  addValues(pairs: Uint32Array, count: number): void {
    if (this.#unreduced + count >= 1 << 21) this.reduce();
    const w = this.width;
    const cells = SUBTABLES * w;
    const mask = w - 1;
    const lanes = this.lanes;
    const [k0, k1] = this.key.words;
    for (let r = 0; r < count; r++) {
      const a1 = pairs[2 * r]!;
      const a2 = pairs[2 * r + 1]!;
      const g = check(k0, k1, a1, a2, 0, 0);
      const i0 = a1 & mask;
      const i1 = ((a1 >>> 11) & mask) + w;
      const i2 = (a2 & mask) + 2 * w;
      lanes[i0]! += 1;
      lanes[i1]! += 1;
      lanes[i2]! += 1;
      lanes[cells + i0]! += a1;
      lanes[cells + i1]! += a1;
      lanes[cells + i2]! += a1;
      lanes[2 * cells + i0]! += a2;
      lanes[2 * cells + i1]! += a2;
      lanes[2 * cells + i2]! += a2;
      lanes[5 * cells + i0]! += g;
      lanes[5 * cells + i1]! += g;
      lanes[5 * cells + i2]! += g;
    }
    this.#unreduced += count;
  }

  /** Brings every lane into [0, p); a no-op when nothing was added since. */
  reduce(): void {
    if (this.#unreduced === 0) return;
    for (let i = 0; i < this.lanes.length; i++) this.lanes[i] = mod(this.lanes[i]!);
    this.#unreduced = 0;
  }

  /** u32 width ‖ the reduced residues as u32, little-endian. */
  serialize(): Uint8Array {
    this.reduce();
    const out = new Uint32Array(1 + this.lanes.length);
    out[0] = this.width;
    out.set(this.lanes, 1);
    return new Uint8Array(out.buffer);
  }
}

/** A stored sketch, read in place (copied only when the bytes are not 4-byte aligned). */
export function readSketch(bytes: Uint8Array): SketchLanes {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.byteLength / 4));
  const width = words[0]!;
  if (!(width >= 16 && width <= MAX_WIDTH && words.length === 1 + LANES * SUBTABLES * width)) throw new SluiceError('INTERNAL', 'a stored sketch is malformed');
  return { width, lanes: words.subarray(1) };
}

/** The lanes at a smaller width (a power of two dividing the sketch's): cells at the same low bits add up. */
function fold(sketch: SketchLanes, width: number): ArrayLike<number> {
  if (sketch.width === width) return sketch.lanes;
  const out = new Float64Array(LANES * SUBTABLES * width);
  const [from, to] = [SUBTABLES * sketch.width, SUBTABLES * width];
  for (let lane = 0; lane < LANES; lane++) {
    for (let t = 0; t < SUBTABLES; t++) {
      for (let i = 0; i < sketch.width; i++) out[lane * to + t * width + (i & (width - 1))]! += sketch.lanes[lane * from + t * sketch.width + i]!;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = mod(out[i]!);
  return out;
}

/**
 * The element multiplicities of the first subtable, folded to `width` cells: every element
 * counts in exactly one of them, so for any combination Σ|Σ coefficient·signature| is at most
 * the combination's total multiplicity — a lower bound on its persons that costs `width`
 * additions, computed once per sketch.
 */
export function countSignature(sketch: SketchLanes, width: number): Int32Array {
  const out = new Int32Array(width);
  for (let i = 0; i < sketch.width; i++) out[i & (width - 1)]! += signed(mod(sketch.lanes[i]!));
  return out;
}

/**
 * Σ coefficient·sketch (coefficients ±1), peeled. Sketches of different widths are folded to
 * the smallest. Persons: distinct (q1, q2) among peeled person elements, plus |multiplicity|
 * of each value element.
 *
 * An element touches three cells, so a combination with more than 3·maxElements occupied cells
 * has more than maxElements elements: `large`, decided without peeling (most comparisons end
 * there, in one pass over one lane). Otherwise the cells are loaded well below peeling's
 * threshold and a stall is rare; it is reported `undecidable`.
 */
export function peel(key: SketchKey, terms: readonly { sketch: SketchLanes; coefficient: 1 | -1 }[], maxElements: number): SketchOutcome {
  let width = terms[0]!.sketch.width;
  for (const t of terms) width = Math.min(width, t.sketch.width);
  const cells = SUBTABLES * width;
  const [a, b, c] = terms.map((t) => fold(t.sketch, width));
  const [sa, sb, sc] = terms.map((t) => t.coefficient);
  const combined = (i: number) => mod(sa! * a![i]! + sb! * b![i]! + (c ? sc! * c[i]! : 0));
  let occupied = 0;
  for (let i = cells; i < 2 * cells; i++) if (combined(i) !== 0 && ++occupied > 3 * maxElements) return { kind: 'large' };
  const lanes = new Float64Array(LANES * cells);
  for (let i = 0; i < lanes.length; i++) lanes[i] = combined(i);
  const persons = new Set<string>();
  let valuePersons = 0;
  const queue: number[] = [];
  for (let i = 0; i < cells; i++) if (lanes[i] !== 0) queue.push(i);
  while (queue.length > 0) {
    const i = queue.pop()!;
    const c = signed(lanes[i]!);
    if (c === 0) continue;
    const inv = c === 1 ? 1 : c === -1 ? P - 1 : inverse(mod(c));
    const field = (lane: number) => mulmod(lanes[lane * cells + i]!, inv);
    const [a1, a2, q1, q2] = [field(1), field(2), field(3), field(4)];
    if (field(5) !== key.check(a1, a2, q1, q2) || position(Math.floor(i / width), a1, a2, width) !== i) continue;
    if (q1 === 0 && q2 === 0) valuePersons += Math.abs(c);
    else persons.add(`${q1}:${q2}`);
    const weight = mod(c);
    const values = [1, a1, a2, q1, q2, key.check(a1, a2, q1, q2)];
    for (let t = 0; t < SUBTABLES; t++) {
      const k = position(t, a1, a2, width);
      for (let lane = 0; lane < LANES; lane++) lanes[lane * cells + k] = mod(lanes[lane * cells + k]! - mulmod(weight, values[lane]!));
      queue.push(k);
    }
  }
  const counted = persons.size + valuePersons;
  for (let i = 0; i < lanes.length; i++) if (lanes[i] !== 0) return { kind: 'undecidable', persons: counted };
  return { kind: 'exact', persons: counted };
}
