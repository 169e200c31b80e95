import { SluiceError } from '../../common/errors.ts';
import { BFV, CKKS, slotCount, type HeScheme } from './params.ts';
import { bucketsOf, type ColumnSpec } from './operations.ts';

/**
 * Push-down: the layout of a column reduced to its partial aggregates, as the contributor
 * encrypts it (one vector, one ciphertext) and as the KMS reads the total back.
 *
 * BFV computes exactly on partials of any size by cutting each into signed limbs of
 * `LIMB_BITS` bits, one per slot: limb j of a quantity holds sign·⌊|v| / 2^(16j)⌋ mod 2^16.
 * The worker adds limbs slot by slot (after multiplying each input by its weight, for weighted
 * sums); every slot stays below 2^57 while inputs × 2^16 × max|weight| < 2^57, which the
 * evaluator checks before any work. The KMS recomposes Σ_j slot_j · 2^(16j) as a BigInt, so
 * carries between limbs never wrap. CKKS carries each partial in one slot.
 */
export const LIMB_BITS = 16;

/**
 * Limbs per quantity, for integers |v| < 2^53 (after `decimals` scaling) and fewer than 2^53
 * rows: |Σv| < 2^106 fits 7 limbs (112 bits), Σv² < 2^159 fits 10 (160 bits), a count < 2^53
 * fits 4 (64 bits). A partial that would not fit is refused, never truncated.
 */
const LIMBS = { x: 7, x2: 10, bin: 4 } as const;

/** Largest |v| a BFV push-down column takes: integers a double holds exactly. */
const BFV_PUSHDOWN_BOUND = Number.MAX_SAFE_INTEGER;

/** Where one quantity sits in the vector: `limbs` slots from `offset` (1 slot under CKKS). */
export interface Place {
  offset: number;
  limbs: number;
}

export interface PartialLayout {
  x?: Place;
  x2?: Place;
  bins?: Place[];
}

/** The quantities an operation needs and where they go; `count` needs none (n is metadata). */
export function partialLayout(scheme: HeScheme, spec: ColumnSpec): PartialLayout {
  const width = (limbs: number) => (scheme === 'bfv' ? limbs : 1);
  switch (spec.operation) {
    case 'count':
    case 'intersectionSum':
      return {};
    case 'histogram': {
      const per = width(LIMBS.bin);
      return { bins: Array.from({ length: bucketsOf(spec).length - 1 }, (_, b) => ({ offset: b * per, limbs: per })) };
    }
    case 'variance':
      return { x: { offset: 0, limbs: width(LIMBS.x) }, x2: { offset: width(LIMBS.x), limbs: width(LIMBS.x2) } };
    default:
      return { x: { offset: 0, limbs: width(LIMBS.x) } };
  }
}

export const outOfRange = (index: number) =>
  new SluiceError('VALIDATION_FAILED', 'value outside the range the homomorphic scheme computes on exactly', { index });

export interface EncodedPartials {
  vector: Int32Array | Float64Array;
  /** CKKS: log2 of the largest partial, rounded up, for the evaluator's capacity check. */
  bits?: number;
}

/** The contributor's reduction: its column as one vector of partial aggregates. */
export function encodePartials(scheme: HeScheme, spec: ColumnSpec, values: ArrayLike<number>): EncodedPartials {
  const layout = partialLayout(scheme, spec);
  if (layout.bins) {
    if (scheme !== 'bfv') throw new SluiceError('VALIDATION_FAILED', 'histograms are exact counts: use BFV');
    const counts = binCounts(spec, values);
    const vector = new Int32Array(slotCount(scheme));
    layout.bins.forEach((place, b) => putLimbs(vector, place, BigInt(counts[b]!)));
    return { vector };
  }
  const squares = layout.x2 !== undefined;
  if (scheme === 'bfv') {
    const { sum, sumOfSquares } = exactMoments(spec, values, squares);
    const vector = new Int32Array(slotCount(scheme));
    if (layout.x) putLimbs(vector, layout.x, sum);
    if (layout.x2) putLimbs(vector, layout.x2, sumOfSquares);
    return { vector };
  }
  const { sum, sumOfSquares } = realMoments(values, squares);
  const vector = new Float64Array(slotCount(scheme));
  vector[layout.x!.offset] = sum;
  if (layout.x2) vector[layout.x2.offset] = sumOfSquares;
  const bits = Math.ceil(Math.log2(Math.max(1, Math.abs(sum), sumOfSquares)));
  // A partial the modulus cannot hold even alone; sums of several are checked by the evaluator.
  if (bits + CKKS.scaleBits >= CKKS.capacityBits) throw new SluiceError('VALIDATION_FAILED', 'a partial aggregate is too large for the CKKS modulus; use BFV with decimals');
  return { vector, bits };
}

/**
 * Σv and Σv² of the column scaled by 10^decimals, exactly. Most values are below 2^31: they are
 * summed in doubles, v² as hi²·2^32 + hi·lo·2^17 + lo² over 16-bit halves, each accumulator
 * staying below 2^53 for a block of 2^20 rows before it is moved into a BigInt — a tenth of the
 * time of BigInt arithmetic per row. Larger values (up to 2^53) take the BigInt path.
 */
function exactMoments(spec: ColumnSpec, values: ArrayLike<number>, squares: boolean): { sum: bigint; sumOfSquares: bigint } {
  const factor = 10 ** (spec.decimals ?? 0);
  const small = Number(BFV.valueBound);
  let sum = 0n;
  let sumOfSquares = 0n;
  let s = 0;
  let q2 = 0;
  let q1 = 0;
  let q0 = 0;
  const flush = () => {
    sum += BigInt(s);
    if (squares) sumOfSquares += (BigInt(q2) << 32n) + (BigInt(q1) << 17n) + BigInt(q0);
    s = q2 = q1 = q0 = 0;
  };
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i]! * factor);
    const a = Math.abs(v);
    if (!(a <= BFV_PUSHDOWN_BOUND)) throw outOfRange(i);
    if (a < small) {
      s += v;
      if (squares) {
        const hi = Math.floor(a / 65536);
        const lo = a - hi * 65536;
        q2 += hi * hi;
        q1 += hi * lo;
        q0 += lo * lo;
      }
    } else {
      const big = BigInt(v);
      sum += big;
      if (squares) sumOfSquares += big * big;
    }
    if ((i & 0xfffff) === 0xfffff) flush();
  }
  flush();
  return { sum, sumOfSquares };
}

/** Σx and Σx² in doubles with Neumaier's compensation, so rounding does not grow with the rows. */
function realMoments(values: ArrayLike<number>, squares: boolean): { sum: number; sumOfSquares: number } {
  const sum = new CompensatedSum();
  const sumOfSquares = new CompensatedSum();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Math.abs(v) <= CKKS.valueBound)) throw outOfRange(i);
    sum.add(v);
    if (squares) sumOfSquares.add(v * v);
  }
  return { sum: sum.value(), sumOfSquares: sumOfSquares.value() };
}

class CompensatedSum {
  #sum = 0;
  #carry = 0;

  add(v: number): void {
    const t = this.#sum + v;
    this.#carry += Math.abs(this.#sum) >= Math.abs(v) ? this.#sum - t + v : v - t + this.#sum;
    this.#sum = t;
  }

  value(): number {
    return this.#sum + this.#carry;
  }
}

function binCounts(spec: ColumnSpec, values: ArrayLike<number>): number[] {
  const buckets = bucketsOf(spec);
  const counts = new Array<number>(buckets.length - 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw outOfRange(i);
    const b = bucketIndex(buckets, v);
    if (b >= 0) counts[b]!++;
  }
  return counts;
}

/** Index of the half-open bucket [b_i, b_{i+1}) holding v, or -1 outside all buckets. */
export function bucketIndex(buckets: readonly number[], v: number): number {
  if (v < buckets[0]! || v >= buckets[buckets.length - 1]!) return -1;
  let low = 0;
  let high = buckets.length - 1;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (v >= buckets[mid]!) low = mid;
    else high = mid;
  }
  return low;
}

function putLimbs(vector: Int32Array, place: Place, value: bigint): void {
  const negative = value < 0n;
  let rest = negative ? -value : value;
  for (let j = 0; j < place.limbs; j++) {
    const limb = Number(rest & 0xffffn);
    vector[place.offset + j] = negative ? -limb : limb;
    rest >>= BigInt(LIMB_BITS);
  }
  if (rest !== 0n) throw new SluiceError('VALIDATION_FAILED', 'a partial aggregate exceeds the exact range of its layout');
}

/** The KMS's side of `putLimbs`: a quantity recomposed from its summed limbs. */
export function readLimbs(slots: BigInt64Array, place: Place): bigint {
  let value = 0n;
  for (let j = place.limbs - 1; j >= 0; j--) value = (value << BigInt(LIMB_BITS)) + slots[place.offset + j]!;
  return value;
}
