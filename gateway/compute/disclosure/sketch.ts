import { SluiceError } from '../../../common/index.ts';
import { fmix, inverse, mod, mulmod, P, signed } from './field.ts';

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
 * holding one element (any multiplicity) from a mixture.
 */
export const SUBTABLES = 3;
const LANES = 6;

/** Keyed mixing for cell positions and checks: the requester cannot predict them, so cannot shape a difference that will not peel. */
export class SketchKey {
  readonly words: Uint32Array;

  constructor(words: Uint32Array) {
    if (words.length < 8) throw new SluiceError('INTERNAL', 'a sketch key has 8 words');
    this.words = words;
  }

  position(table: number, a1: number, a2: number, width: number): number {
    const k = this.words;
    return (fmix((fmix(a1 ^ k[table]!) + (a2 ^ k[table + 3]!)) >>> 0) & (width - 1)) + table * width;
  }

  check(a1: number, a2: number, q1: number, q2: number): number {
    const k = this.words;
    const h = fmix((fmix((fmix(a1 ^ k[6]!) + a2) >>> 0) ^ k[7]! ^ Math.imul(q1, 0x9e3779b1)) + q2);
    return h % P;
  }
}

export type SketchOutcome =
  /** Everything peeled: the combination's persons, counted exactly. */
  | { kind: 'exact'; persons: number }
  /** Too many elements to peel: the combination covers many persons. */
  | { kind: 'large'; persons: number }
  /** Peeling stalled on a small knot: the difference may be small; treat it as a risk. */
  | { kind: 'undecidable'; persons: number };

export class Sketch {
  readonly width: number;
  /** Lane-major residues: lane × cells + cell. Exact sums while building; reduced by `seal`. */
  readonly lanes: Float64Array;
  #unreduced = 0;

  constructor(readonly key: SketchKey, width: number, lanes?: Float64Array) {
    if (!Number.isInteger(Math.log2(width)) || width < 16) throw new SluiceError('INTERNAL', 'sketch width must be a power of two ≥ 16');
    this.width = width;
    this.lanes = lanes ?? new Float64Array(LANES * SUBTABLES * width);
  }

  get cells(): number {
    return SUBTABLES * this.width;
  }

  /** Adds an element once; a1, a2, q1, q2 in [0, p). */
  add(a1: number, a2: number, q1: number, q2: number): void {
    const cells = this.cells;
    const lanes = this.lanes;
    const g = this.key.check(a1, a2, q1, q2);
    for (let t = 0; t < SUBTABLES; t++) {
      const i = this.key.position(t, a1, a2, this.width);
      lanes[i]! += 1;
      lanes[cells + i]! += a1;
      lanes[2 * cells + i]! += a2;
      lanes[3 * cells + i]! += q1;
      lanes[4 * cells + i]! += q2;
      lanes[5 * cells + i]! += g;
    }
    // Each lane gains < 2^31 per add: reduce before 2^22 adds could leave a double's exact range.
    if (++this.#unreduced === 1 << 21) this.reduce();
  }

  /** Brings every lane into [0, p); a no-op when nothing was added since. */
  reduce(): void {
    if (this.#unreduced > 0) this.#normalize();
  }

  #normalize(): void {
    for (let i = 0; i < this.lanes.length; i++) this.lanes[i] = mod(this.lanes[i]!);
    this.#unreduced = 0;
  }

  /** The sketch at a smaller width (a power of two dividing this one): positions are the low bits, so cells fold together. */
  fold(width: number): Sketch {
    this.reduce();
    if (width === this.width) return this;
    if (width > this.width || this.width % width !== 0) throw new SluiceError('INTERNAL', 'a sketch folds only to a smaller power of two');
    const out = new Sketch(this.key, width);
    const [from, to] = [this.cells, out.cells];
    for (let lane = 0; lane < LANES; lane++) {
      for (let t = 0; t < SUBTABLES; t++) {
        for (let i = 0; i < this.width; i++) out.lanes[lane * to + t * width + (i & (width - 1))]! += this.lanes[lane * from + t * this.width + i]!;
      }
    }
    out.#normalize();
    return out;
  }

  /** u32 width ‖ the reduced residues as u32, little-endian. */
  serialize(): Uint8Array {
    this.reduce();
    const out = new Uint32Array(1 + this.lanes.length);
    out[0] = this.width;
    out.set(this.lanes, 1);
    return new Uint8Array(out.buffer);
  }

  static deserialize(key: SketchKey, bytes: Uint8Array): Sketch {
    const words = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const width = words[0]!;
    if (words.length !== 1 + LANES * SUBTABLES * width) throw new SluiceError('INTERNAL', 'a stored sketch is malformed');
    return new Sketch(key, width, Float64Array.from(words.subarray(1)));
  }
}

/**
 * Σ coefficient·sketch (coefficients ±1), peeled. Sketches of different widths are folded to
 * the smallest. Persons: distinct (q1, q2) among peeled person elements, plus |multiplicity|
 * of each value element. A stalled peel leaves a knot: if it is small (under a quarter of the
 * cells) the difference may be small and the outcome is undecidable; a large remainder means
 * many elements. With three subtables and at least 4.5 cells per element of the largest
 * difference that matters, a small difference stalls with probability below ~10⁻⁵.
 */
export function peel(terms: readonly { sketch: Sketch; coefficient: 1 | -1 }[]): SketchOutcome {
  const width = Math.min(...terms.map((t) => t.sketch.width));
  const key = terms[0]!.sketch.key;
  const folded = terms.map((t) => ({ lanes: t.sketch.fold(width).lanes, coefficient: t.coefficient }));
  const cells = SUBTABLES * width;
  const lanes = new Float64Array(LANES * cells);
  for (let i = 0; i < lanes.length; i++) {
    let sum = 0;
    for (const term of folded) sum += term.coefficient * term.lanes[i]!;
    lanes[i] = mod(sum);
  }
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
    if (field(5) !== key.check(a1, a2, q1, q2) || key.position(Math.floor(i / width), a1, a2, width) !== i) continue;
    if (q1 === 0 && q2 === 0) valuePersons += Math.abs(c);
    else persons.add(`${q1}:${q2}`);
    const weight = mod(c);
    const values = [1, a1, a2, q1, q2, key.check(a1, a2, q1, q2)];
    for (let t = 0; t < SUBTABLES; t++) {
      const k = key.position(t, a1, a2, width);
      for (let lane = 0; lane < LANES; lane++) lanes[lane * cells + k] = mod(lanes[lane * cells + k]! - mulmod(weight, values[lane]!));
      queue.push(k);
    }
  }
  const counted = persons.size + valuePersons;
  let residual = 0;
  for (let i = 0; i < cells; i++) {
    for (let lane = 0; lane < LANES; lane++) {
      if (lanes[lane * cells + i] !== 0) {
        residual++;
        break;
      }
    }
  }
  if (residual === 0) return { kind: 'exact', persons: counted };
  return { kind: residual >= cells / 4 ? 'large' : 'undecidable', persons: counted };
}
