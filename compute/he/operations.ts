import { SluiceError } from '../../common/errors.ts';
import type { HeScheme } from './params.ts';

export type OperationKind = 'sum' | 'count' | 'mean' | 'variance' | 'histogram' | 'weightedSum' | 'intersectionSum';

/** The decomposable aggregates a job asks for by name: each owner's part reduces to a few sums. */
export const AGGREGATES: readonly OperationKind[] = ['sum', 'count', 'mean', 'variance', 'histogram', 'weightedSum'];

/** Every operation an artifact may carry; `intersectionSum` is what a PSI job in `sum` mode evaluates. */
export const OPERATIONS: readonly OperationKind[] = [...AGGREGATES, 'intersectionSum'];

/**
 * Whether the worker multiplies ciphertexts by plaintexts: by the requester's weights, or by the
 * 0/1 membership mask of a private join. Such jobs need a key set with the noise budget for it.
 */
export function needsPlaintextMultiply(operation: OperationKind): boolean {
  return operation === 'weightedSum' || operation === 'intersectionSum';
}

/** JSON schema of the differential-privacy noise a release carries (compute/disclosure/noise.ts). */
export const NOISE_SCHEMA = {
  type: 'object',
  required: ['mechanism', 'epsilon', 'scale'],
  properties: { mechanism: { type: 'string' }, epsilon: { type: 'number' }, scale: { type: 'number' }, figures: { type: 'object', additionalProperties: { type: 'number' } } },
} as const;

/**
 * JSON schema of a released result as the KMS and the gateway answer it: the figure, with the
 * histogram bins that were suppressed (`null` in `value`, and why), the differential-privacy
 * noise it carries, and the privacy budget it left (gateway).
 */
export const HE_RESULT_SCHEMA = {
  type: 'object',
  required: ['operation', 'value', 'n'],
  properties: {
    operation: { type: 'string' },
    value: { anyOf: [{ type: 'number' }, { type: 'array', items: { type: ['number', 'null'] } }, { type: 'null' }] },
    n: { type: 'integer' },
    suppressed: {
      type: 'array',
      items: { type: 'object', required: ['cell', 'reason'], properties: { cell: { type: 'integer' }, reason: { type: 'string' } } },
    },
    noise: NOISE_SCHEMA,
    budget: {
      type: 'object',
      required: ['spent', 'remaining'],
      properties: { spent: { type: 'number' }, remaining: { type: 'number' }, period: { type: 'string' } },
    },
  },
} as const;

/**
 * The rows an `intersectionSum` mask selects (the intersection's size), or -1 when it holds
 * anything but zeros and ones.
 */
export function maskWeight(mask: Uint8Array): number {
  let n = 0;
  for (const bit of mask) {
    if (bit > 1) return -1;
    n += bit;
  }
  return n;
}

/** What a contributor encrypts a column for; fixed when the job is created. */
export interface ColumnSpec {
  operation: OperationKind;
  /** `histogram`: ascending bounds b0 < b1 < …; value v counts in bucket i when b_i ≤ v < b_{i+1}. */
  buckets?: number[];
  /** BFV: values are rounded to this many decimal places and computed on exactly (0–9). */
  decimals?: number;
  /**
   * Push-down: the contributor reduces its column to its partial aggregates (sum, sum of
   * squares, bin counts) and encrypts those — one ciphertext, whatever the number of rows —
   * instead of one ciphertext per 8192 rows. Absent: the row-level layout.
   */
  pushdown?: boolean;
}

/**
 * The encrypted vectors a column carries for an operation. `count` carries none: row counts
 * are job metadata. Variance under BFV carries x² as two 31-bit limbs so squares of any
 * 31-bit value fit the plaintext modulus; CKKS carries x² directly. A histogram carries one
 * vector `h` in which each row owns B consecutive slots, one-hot on its bucket, so the result
 * is a single ciphertext whatever the number of buckets.
 */
export function componentsFor(scheme: HeScheme, spec: ColumnSpec): string[] {
  if (spec.operation === 'count') return [];
  // Push-down: every partial aggregate of the column in one vector (layout in partials.ts).
  if (spec.pushdown) return ['p'];
  switch (spec.operation) {
    case 'sum':
    case 'mean':
    case 'weightedSum':
    case 'intersectionSum':
      return ['x'];
    case 'variance':
      return scheme === 'bfv' ? ['x', 'x2lo', 'x2hi'] : ['x', 'x2'];
    case 'histogram':
      return ['h'];
  }
}

export function validateSpec(scheme: HeScheme, spec: ColumnSpec): void {
  if (!OPERATIONS.includes(spec.operation)) throw new SluiceError('VALIDATION_FAILED', 'unknown compute operation');
  const decimals = spec.decimals ?? 0;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 9) {
    throw new SluiceError('VALIDATION_FAILED', 'decimals must be an integer from 0 to 9');
  }
  if (scheme === 'ckks' && decimals !== 0) throw new SluiceError('VALIDATION_FAILED', 'decimals apply to BFV only');
  if (spec.pushdown !== undefined && typeof spec.pushdown !== 'boolean') throw new SluiceError('VALIDATION_FAILED', 'pushdown is true or false');
  // The mask of a private join selects rows: there is nothing to reduce before it is known.
  if (spec.pushdown && spec.operation === 'intersectionSum') throw new SluiceError('VALIDATION_FAILED', 'an intersection sum is evaluated on rows');
  if (spec.operation === 'histogram') {
    if (scheme !== 'bfv') throw new SluiceError('VALIDATION_FAILED', 'histograms are exact counts: use BFV');
    bucketsOf(spec);
  }
}

/** Rows per ciphertext in the histogram layout: each row takes one slot per bucket. */
export function histogramRowsPerChunk(spec: ColumnSpec, slots: number): number {
  return Math.floor(slots / (bucketsOf(spec).length - 1));
}

export function bucketsOf(spec: ColumnSpec): number[] {
  const buckets = spec.buckets;
  if (!Array.isArray(buckets) || buckets.length < 2 || buckets.length > 257) {
    throw new SluiceError('VALIDATION_FAILED', 'histogram needs 2 to 257 bucket bounds');
  }
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!;
    if (!Number.isFinite(b) || (i > 0 && !(b > buckets[i - 1]!))) {
      throw new SluiceError('VALIDATION_FAILED', 'bucket bounds must be finite and strictly ascending');
    }
  }
  return buckets;
}
