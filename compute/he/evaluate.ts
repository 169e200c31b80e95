import { SluiceError } from '../../common/errors.ts';
import { heContext } from './context.ts';
import { BFV, CKKS, slotCount, type HeScheme } from './params.ts';
import { decodeColumn, decodePublicKey, encodeResult, type ColumnArtifact } from './artifacts.ts';
import { canonicalSpec } from './encrypt.ts';
import { maskWeight, needsPlaintextMultiply, type ColumnSpec, type OperationKind } from './operations.ts';
import { LIMB_BITS } from './partials.ts';
import type { SealCipherText, SealPlainText } from './seal.ts';

export interface EvaluateRequest {
  operation: OperationKind;
  /**
   * `weightedSum` only: one plaintext weight per input column (BFV: integers), applied here to
   * each of its rows — or, for a push-down column, to its partial aggregates.
   */
  weights?: number[];
  /**
   * `intersectionSum` only: per row of the one input, 1 where the row's person is in the
   * intersection and 0 elsewhere — the gateway's side of a private join.
   */
  mask?: Uint8Array;
}

export interface EvaluateKeys {
  /** The job's public key; the worker needs it only to check every input belongs to the job. */
  publicKey: Uint8Array;
}

/**
 * What chunk k of input i is multiplied by before it is added: a plaintext slot vector,
 * `undefined` to add it as it is, or `null` to leave it out (a mask of zeros).
 */
type Factor = (input: number, chunk: number) => Int32Array | Float64Array | undefined | null;

interface Multipliers {
  factor: Factor;
  /** Largest |weight|, for the range check. */
  maxWeight: number;
  /** Rows the result covers: every row, or the rows the mask selects. */
  n: number;
}

/**
 * Worker side: adds the contributors' ciphertexts slot-wise (after a plaintext multiplication
 * by the weights for `weightedSum`, by the join's mask for `intersectionSum`). Push-down inputs
 * are one ciphertext per contributor, so this is a handful of additions. It never sees a secret
 * key: the module graph below this file contains no secret-key code, and the sandboxed job
 * child cannot read that code at all.
 */
export async function evaluate(
  request: EvaluateRequest,
  columns: readonly Uint8Array[],
  keys: EvaluateKeys,
  onProgress?: (fraction: number) => void,
): Promise<Uint8Array> {
  const key = decodePublicKey(keys.publicKey);
  const inputs = columns.map(decodeColumn);
  const spec = checkInputs(request, inputs, key);
  const multipliers = checkMultipliers(request, inputs, spec.spec, key.scheme);
  checkRange(key.scheme, spec.spec, inputs, multipliers, request);
  const { seal, context, set } = await heContext(key.params);
  if (needsPlaintextMultiply(request.operation) && !set.plaintextMultiply) {
    throw new SluiceError('VALIDATION_FAILED', 'this key set was made for additions only; weighted sums need a key set made for them');
  }
  const evaluator = seal.Evaluator(context);
  const incoming: SealCipherText = seal.CipherText();
  const plain: SealPlainText = seal.PlainText();
  const batch = key.scheme === 'bfv' ? seal.BatchEncoder(context) : undefined;
  const ckks = key.scheme === 'ckks' ? seal.CKKSEncoder(context) : undefined;
  const total = inputs.reduce((sum, input) => sum + input.ciphertexts.flat().length, 0);
  let done = 0;
  const accumulators: (SealCipherText | null)[] = spec.components.map(() => null);
  try {
    inputs.forEach((input, i) => {
      input.ciphertexts.forEach((chunks, c) => {
        chunks.forEach((bytes, k) => {
          done++;
          if (onProgress && (done % 16 === 0 || done === total)) onProgress(done / total);
          const factor = multipliers.factor(i, k);
          if (factor === null) return;
          try {
            incoming.loadArray(context, bytes);
          } catch (cause) {
            // SEAL checks every coefficient against the parameters; garbage never reaches `add`.
            throw new SluiceError('VALIDATION_FAILED', 'an input ciphertext is malformed', { input: i }, { cause });
          }
          if (factor) {
            if (batch) batch.encode(factor as Int32Array, plain);
            else ckks!.encode(factor as Float64Array, 2 ** CKKS.scaleBits, plain);
            evaluator.multiplyPlain(incoming, plain, incoming);
          }
          const acc = accumulators[c];
          if (acc) evaluator.add(acc, incoming, acc);
          else accumulators[c] = incoming.clone();
        });
      });
    });
    const ciphertexts = accumulators.map((acc) => (acc ? acc.saveArray(seal.ComprModeType.none) : null));
    return encodeResult({ scheme: key.scheme, params: key.params, keyId: key.keyId, spec: spec.spec, n: multipliers.n, components: spec.components, ciphertexts });
  } finally {
    for (const o of [evaluator, incoming, plain, batch, ckks, ...accumulators]) o?.delete();
  }
}

function checkInputs(request: EvaluateRequest, inputs: ColumnArtifact[], { keyId, scheme, params }: { keyId: string; scheme: HeScheme; params: string }) {
  if (inputs.length === 0) throw new SluiceError('VALIDATION_FAILED', 'a compute job needs at least one input column');
  const first = inputs[0]!;
  const shape = JSON.stringify(canonicalSpec(first.spec));
  for (const input of inputs) {
    if (input.keyId !== keyId || input.scheme !== scheme || input.params !== params) {
      throw new SluiceError('VALIDATION_FAILED', 'an input column was encrypted under another key set');
    }
    if (JSON.stringify(canonicalSpec(input.spec)) !== shape || JSON.stringify(input.components) !== JSON.stringify(first.components)) {
      throw new SluiceError('VALIDATION_FAILED', 'input columns were encoded for different operations');
    }
  }
  if (first.spec.operation !== request.operation) {
    throw new SluiceError('VALIDATION_FAILED', 'input columns were encoded for another operation');
  }
  return { spec: canonicalSpec(first.spec), components: first.components };
}

const refuse = (message: string, details?: Record<string, number>) => new SluiceError('VALIDATION_FAILED', message, details);

function checkMultipliers(request: EvaluateRequest, inputs: ColumnArtifact[], spec: ColumnSpec, scheme: HeScheme): Multipliers {
  const rows = inputs.reduce((sum, input) => sum + input.n, 0);
  if (request.operation !== 'weightedSum' && request.weights !== undefined) throw refuse('weights apply to weightedSum only');
  if (request.operation !== 'intersectionSum' && request.mask !== undefined) throw refuse('a mask applies to intersectionSum only');
  if (request.operation === 'weightedSum') return weightsOf(request.weights, inputs, spec, scheme);
  if (request.operation === 'intersectionSum') return maskOf(request.mask, inputs, scheme);
  return { factor: () => undefined, maxWeight: 1, n: rows };
}

function weightsOf(weights: number[] | undefined, inputs: ColumnArtifact[], spec: ColumnSpec, scheme: HeScheme): Multipliers {
  if (!Array.isArray(weights) || weights.length !== inputs.length) throw refuse('weightedSum needs one weight per input');
  let maxWeight = 1;
  weights.forEach((v, i) => {
    const ok = scheme === 'bfv' ? Number.isInteger(v) && Math.abs(v) < Number(BFV.valueBound) : Number.isFinite(v) && Math.abs(v) <= CKKS.valueBound;
    if (!ok) throw refuse('weight outside the supported range', { input: i });
    maxWeight = Math.max(maxWeight, Math.abs(v));
  });
  const slots = slotCount(scheme);
  // An input's weight on the slots its rows fill and 0 past its last row, so whatever a
  // contributor put in a chunk's padding never counts; a push-down input's one vector of
  // partials is weighted whole.
  const vector = (weight: number, rows: number) => (scheme === 'bfv' ? new Int32Array(slots) : new Float64Array(slots)).fill(weight, 0, rows);
  const full = weights.map((w) => vector(w, slots));
  const factor: Factor = spec.pushdown
    ? (i) => full[i]!
    : (i, k) => {
        const rows = inputs[i]!.n - k * slots;
        return rows >= slots ? full[i]! : vector(weights[i]!, rows);
      };
  return { factor, maxWeight, n: inputs.reduce((sum, input) => sum + input.n, 0) };
}

function maskOf(mask: Uint8Array | undefined, inputs: ColumnArtifact[], scheme: HeScheme): Multipliers {
  if (inputs.length !== 1) throw refuse('an intersection sum has exactly one input');
  const rows = inputs[0]!.n;
  if (!(mask instanceof Uint8Array) || mask.length !== rows) throw refuse('the mask needs one entry per row');
  const n = maskWeight(mask);
  if (n < 0) throw refuse('the mask holds zeros and ones only');
  const slots = slotCount(scheme);
  const factor: Factor = (_, k) => {
    const part = mask.subarray(k * slots, (k + 1) * slots);
    if (part.every((bit) => bit === 0)) return null;
    // Slots past the last row stay zero: whatever a contributor put there never counts.
    const vector = scheme === 'bfv' ? new Int32Array(slots) : new Float64Array(slots);
    vector.set(part);
    return vector;
  };
  return { factor, maxWeight: 1, n };
}

/**
 * Refuses, before any work, a job whose slot sums could wrap the plaintext modulus (BFV) or
 * overflow the modulus capacity (CKKS): a wrapped sum would decrypt to a wrong answer silently.
 */
function checkRange(scheme: HeScheme, spec: ColumnSpec, inputs: ColumnArtifact[], { maxWeight }: Multipliers, request: EvaluateRequest): void {
  const addends = inputs.reduce((sum, input) => sum + (input.ciphertexts[0]?.length ?? 0), 0);
  const multiplied = needsPlaintextMultiply(request.operation);
  if (scheme === 'bfv') {
    // A slot holds one row's value (|v| < 2^31), a one-hot bucket flag, or a 16-bit limb of a partial.
    const valueBound = spec.pushdown ? 2n ** BigInt(LIMB_BITS) : inputs[0]!.components.includes('h') ? 1n : BFV.valueBound;
    const bound = BigInt(addends) * valueBound * BigInt(Math.ceil(maxWeight));
    if (bound >= BFV.accumulatorBound) throw refuse('job too large for exact homomorphic sums');
    return;
  }
  const scale = CKKS.scaleBits * (multiplied ? 2 : 1);
  if (spec.pushdown) {
    // Each input's partials are below 2^bits; weighted, they add up to at most Σ|w|·2^bits.
    let magnitude = 0;
    inputs.forEach((input, i) => {
      if (input.bits === undefined) throw refuse('a push-down column does not state its magnitude', { input: i });
      magnitude += Math.max(1, Math.abs(request.weights?.[i] ?? 1)) * 2 ** input.bits;
    });
    if (Math.log2(Math.max(1, magnitude)) + scale >= CKKS.capacityBits) throw refuse('job too large for the CKKS modulus');
    return;
  }
  const squares = inputs[0]!.components.includes('x2') ? 2 : 1;
  const bits = Math.log2(Math.max(1, addends)) + squares * Math.log2(CKKS.valueBound) + Math.log2(maxWeight) + scale;
  if (bits >= CKKS.capacityBits) throw refuse('job too large for the CKKS modulus');
}
