import { BFV, CKKS, type HeScheme } from './params.ts';
import { bucketsOf, componentsFor, histogramRowsPerChunk, type ColumnSpec } from './operations.ts';
import { bucketIndex, encodePartials, outOfRange } from './partials.ts';

/**
 * One plaintext vector per component, cut into ciphertexts of `slots` values; the last chunk
 * is zero-padded. Every component of a column has the same number of chunks.
 */
export type ComponentVectors = (Int32Array | Float64Array)[];

export interface EncodedColumn {
  vectors: ComponentVectors;
  /** Push-down under CKKS: the partials' magnitude (`EncodedPartials.bits`). */
  bits?: number;
}

/**
 * Turns a column into the vectors its operation needs, validating every value's range: per row
 * (one slot per row and component), or reduced to its partial aggregates (push-down).
 */
export function encodeComponents(scheme: HeScheme, spec: ColumnSpec, values: ArrayLike<number>): EncodedColumn {
  const components = componentsFor(scheme, spec);
  if (components.length === 0) {
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) throw outOfRange(i);
    return { vectors: [] };
  }
  if (spec.pushdown) {
    const { vector, bits } = encodePartials(scheme, spec, values);
    return bits === undefined ? { vectors: [vector] } : { vectors: [vector], bits };
  }
  if (spec.operation === 'histogram') return { vectors: histogram(spec, values) };
  return { vectors: scheme === 'bfv' ? bfvMoments(spec, values, components.length > 1) : ckksMoments(values, components.length > 1) };
}

function bfvMoments(spec: ColumnSpec, values: ArrayLike<number>, squares: boolean): ComponentVectors {
  const factor = 10 ** (spec.decimals ?? 0);
  const limit = Number(BFV.valueBound);
  const x = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i]! * factor);
    if (!(Math.abs(v) < limit)) throw outOfRange(i);
    x[i] = v;
  }
  if (!squares) return [x];
  const lo = new Int32Array(values.length);
  const hi = new Int32Array(values.length);
  const mask = BFV.valueBound - 1n;
  for (let i = 0; i < x.length; i++) {
    const v = BigInt(x[i]!);
    const square = v * v;
    lo[i] = Number(square & mask);
    hi[i] = Number(square >> 31n);
  }
  return [x, lo, hi];
}

function ckksMoments(values: ArrayLike<number>, squares: boolean): ComponentVectors {
  const x = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Math.abs(v) <= CKKS.valueBound)) throw outOfRange(i);
    x[i] = v;
  }
  return squares ? [x, x.map((v) => v * v)] : [x];
}

function histogram(spec: ColumnSpec, values: ArrayLike<number>): ComponentVectors {
  const buckets = bucketsOf(spec);
  const width = buckets.length - 1;
  const rows = histogramRowsPerChunk(spec, BFV.slots);
  const chunks = Math.ceil(values.length / rows);
  const layout = new Int32Array(chunks * BFV.slots);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw outOfRange(i);
    const bucket = bucketIndex(buckets, v);
    if (bucket >= 0) layout[Math.floor(i / rows) * BFV.slots + (i % rows) * width + bucket] = 1;
  }
  return [layout];
}
