import { SluiceError } from '../../common/index.ts';
import { BFV, CKKS, heContext, slotCount, type HeScheme } from './params.ts';
import { decodeColumn, decodePublicKey, encodeResult, type ColumnArtifact } from './artifacts.ts';
import { canonicalSpec } from './encrypt.ts';
import type { OperationKind } from './operations.ts';
import type { SealCipherText, SealPlainText } from './seal.ts';

export interface EvaluateRequest {
  operation: OperationKind;
  /** `weightedSum` only: per input column, one plaintext weight per row (BFV: integers). */
  weights?: number[][];
}

export interface EvaluateKeys {
  /** The job's public key; the worker needs it only to check every input belongs to the job. */
  publicKey: Uint8Array;
}

/**
 * Worker side: adds the contributors' ciphertexts slot-wise (after a plaintext multiplication
 * by the weights for `weightedSum`). It never sees a secret key: the module graph below this
 * file contains no secret-key code, and the sandboxed job child cannot read that code at all.
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
  const weights = checkWeights(request, inputs, key.scheme);
  checkRange(key.scheme, inputs, spec.components, weights);
  const { seal, context, set } = await heContext(key.params);
  if (weights && !set.plaintextMultiply) {
    throw new SluiceError('VALIDATION_FAILED', 'this key set was made for additions only; weighted sums need a key set made for them');
  }
  const evaluator = seal.Evaluator(context);
  const incoming: SealCipherText = seal.CipherText();
  const plain: SealPlainText = seal.PlainText();
  const batch = key.scheme === 'bfv' ? seal.BatchEncoder(context) : undefined;
  const ckks = key.scheme === 'ckks' ? seal.CKKSEncoder(context) : undefined;
  const slots = slotCount(key.scheme);
  const total = inputs.reduce((sum, input) => sum + input.ciphertexts.flat().length, 0);
  let done = 0;
  const accumulators: (SealCipherText | null)[] = spec.components.map(() => null);
  try {
    inputs.forEach((input, i) => {
      input.ciphertexts.forEach((chunks, c) => {
        chunks.forEach((bytes, k) => {
          try {
            incoming.loadArray(context, bytes);
          } catch (cause) {
            // SEAL checks every coefficient against the parameters; garbage never reaches `add`.
            throw new SluiceError('VALIDATION_FAILED', 'an input ciphertext is malformed', { input: i }, { cause });
          }
          const w = weights?.[i];
          if (w) {
            if (batch) batch.encode(Int32Array.from(slice(w, k * slots, slots)), plain);
            else ckks!.encode(Float64Array.from(slice(w, k * slots, slots)), 2 ** CKKS.scaleBits, plain);
            evaluator.multiplyPlain(incoming, plain, incoming);
          }
          const acc = accumulators[c];
          if (acc) evaluator.add(acc, incoming, acc);
          else accumulators[c] = incoming.clone();
          done++;
          if (onProgress && (done % 16 === 0 || done === total)) onProgress(done / total);
        });
      });
    });
    const ciphertexts = accumulators.map((acc) => (acc ? acc.saveArray(seal.ComprModeType.none) : null));
    const n = inputs.reduce((sum, input) => sum + input.n, 0);
    return encodeResult({ scheme: key.scheme, params: key.params, keyId: key.keyId, spec: spec.spec, n, components: spec.components, ciphertexts });
  } finally {
    for (const o of [evaluator, incoming, plain, batch, ckks, ...accumulators]) o?.delete();
  }
}

function slice(weights: number[], start: number, slots: number): number[] {
  const out = weights.slice(start, start + slots);
  while (out.length < slots) out.push(0);
  return out;
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

function checkWeights(request: EvaluateRequest, inputs: ColumnArtifact[], scheme: HeScheme): number[][] | undefined {
  if (request.operation !== 'weightedSum') {
    if (request.weights !== undefined) throw new SluiceError('VALIDATION_FAILED', 'weights apply to weightedSum only');
    return undefined;
  }
  const weights = request.weights;
  if (!Array.isArray(weights) || weights.length !== inputs.length) {
    throw new SluiceError('VALIDATION_FAILED', 'weightedSum needs one weight vector per input');
  }
  weights.forEach((w, i) => {
    if (!Array.isArray(w) || w.length !== inputs[i]!.n) throw new SluiceError('VALIDATION_FAILED', 'one weight per row is required', { input: i });
    for (const v of w) {
      const ok = scheme === 'bfv' ? Number.isInteger(v) && Math.abs(v) < Number(BFV.valueBound) : Number.isFinite(v) && Math.abs(v) <= CKKS.valueBound;
      if (!ok) throw new SluiceError('VALIDATION_FAILED', 'weight outside the supported range', { input: i });
    }
  });
  return weights;
}

/**
 * Refuses, before any work, a job whose slot sums could wrap the plaintext modulus (BFV) or
 * overflow the modulus capacity (CKKS): a wrapped sum would decrypt to a wrong answer silently.
 */
function checkRange(scheme: HeScheme, inputs: ColumnArtifact[], components: string[], weights: number[][] | undefined): void {
  const addends = inputs.reduce((sum, input) => sum + (input.ciphertexts[0]?.length ?? 0), 0);
  const maxWeight = weights ? Math.max(1, ...weights.map((w) => w.reduce((m, v) => Math.max(m, Math.abs(v)), 0))) : 1;
  if (scheme === 'bfv') {
    const valueBound = components.includes('h') ? 1n : BFV.valueBound;
    const bound = BigInt(addends) * valueBound * BigInt(Math.ceil(maxWeight));
    if (bound >= BFV.accumulatorBound) throw new SluiceError('VALIDATION_FAILED', 'job too large for exact homomorphic sums');
    return;
  }
  const squares = components.includes('x2') ? 2 : 1;
  const bits = Math.log2(Math.max(1, addends)) + squares * Math.log2(CKKS.valueBound) + Math.log2(maxWeight) + CKKS.scaleBits * (weights ? 2 : 1);
  if (bits >= CKKS.capacityBits) throw new SluiceError('VALIDATION_FAILED', 'job too large for the CKKS modulus');
}
