import { SluiceError } from '../../../common/index.ts';
import { BFV, bucketsOf, decodeResult, finishTotals, heContext, histogramRowsPerChunk, partialLayout, readLimbs, type HeResult, type Place, type ResultArtifact, type ResultTotals } from '../../../compute/he/index.ts';
import { decodeSecretKey } from './secret-key.ts';

export interface DecryptOptions {
  /** Results over fewer rows are refused with GROUP_TOO_SMALL. */
  minGroupSize?: number;
}

/**
 * Secret-key holder side (the KMS): decrypts an evaluated result and folds its slots into
 * totals. Only a figure computed from them leaves the KMS; the per-slot partial sums never do.
 */
export async function decryptTotals(secretKey: Uint8Array, result: Uint8Array, options: DecryptOptions = {}): Promise<ResultTotals> {
  const sk = decodeSecretKey(secretKey);
  const artifact = decodeResult(result);
  if (artifact.keyId !== sk.keyId || artifact.scheme !== sk.scheme || artifact.params !== sk.params) {
    throw new SluiceError('DECRYPT_FAILED', 'result was not computed under this key set');
  }
  if (artifact.n < (options.minGroupSize ?? 1)) {
    throw new SluiceError('GROUP_TOO_SMALL', 'the result covers too few rows to be released');
  }
  const slots = await decodeSlots(sk.key, artifact);
  const { spec, scheme, n } = artifact;
  return { operation: spec.operation, scheme, n, decimals: spec.decimals ?? 0, ...fold(artifact, slots) };
}

/** The exact figure: decrypt, fold, finish. */
export async function decryptResult(secretKey: Uint8Array, result: Uint8Array, options: DecryptOptions = {}): Promise<HeResult> {
  return finishTotals(await decryptTotals(secretKey, result, options));
}

/** Decrypted slot vectors per component; absent when no row contributed to the component. */
type Slots = Map<string, BigInt64Array | Float64Array>;

async function decodeSlots(secretKey: Uint8Array, artifact: ResultArtifact): Promise<Slots> {
  const { seal, context } = await heContext(artifact.params);
  const key = seal.SecretKey();
  const cipher = seal.CipherText();
  const plain = seal.PlainText();
  const slots: Slots = new Map();
  try {
    key.loadArray(context, secretKey);
    const decryptor = seal.Decryptor(context, key);
    const batch = artifact.scheme === 'bfv' ? seal.BatchEncoder(context) : undefined;
    const ckks = artifact.scheme === 'ckks' ? seal.CKKSEncoder(context) : undefined;
    try {
      artifact.components.forEach((name, c) => {
        const bytes = artifact.ciphertexts[c];
        if (!bytes) return;
        try {
          cipher.loadArray(context, bytes);
        } catch (cause) {
          throw new SluiceError('DECRYPT_FAILED', 'result ciphertext is malformed', undefined, { cause });
        }
        decryptor.decrypt(cipher, plain);
        slots.set(name, batch ? (batch.decodeBigInt(plain, true) as BigInt64Array) : ckks!.decode(plain));
      });
    } finally {
      for (const o of [decryptor, batch, ckks]) o?.delete();
    }
  } finally {
    for (const o of [key, cipher, plain]) o.delete();
  }
  return slots;
}

/** The totals the operation needs, whichever layout the contributors used; BFV totals are exact. */
function fold(artifact: ResultArtifact, slots: Slots): Pick<ResultTotals, 'sum' | 'squares' | 'counts'> {
  const { spec, scheme } = artifact;
  if (spec.operation === 'count') return {};
  const variance = spec.operation === 'variance';
  if (spec.pushdown) {
    // One vector of partials, summed over the inputs: read each quantity where the layout put it.
    const layout = partialLayout(scheme, spec);
    const p = slots.get('p');
    if (scheme === 'bfv') {
      const limbs = (place: Place | undefined) => (p && place ? readLimbs(p as BigInt64Array, place) : 0n);
      if (layout.bins) return { counts: layout.bins.map((place) => Number(limbs(place))) };
      return { sum: limbs(layout.x), ...(variance ? { squares: limbs(layout.x2) } : {}) };
    }
    const real = (place: Place | undefined) => (p && place ? (p as Float64Array)[place.offset]! : 0);
    return { sum: real(layout.x), ...(variance ? { squares: real(layout.x2) } : {}) };
  }
  if (spec.operation === 'histogram') return { counts: histogramCounts(spec, slots) };
  if (scheme === 'ckks') return { sum: realTotal(slots, 'x'), ...(variance ? { squares: realTotal(slots, 'x2') } : {}) };
  return { sum: exactTotal(slots, 'x'), ...(variance ? { squares: exactTotal(slots, 'x2lo') + (exactTotal(slots, 'x2hi') << 31n) } : {}) };
}

/** Row layout: the slots of every chunk were added up by the worker; fold them here. */
function exactTotal(slots: Slots, name: string): bigint {
  let sum = 0n;
  for (const v of (slots.get(name) as BigInt64Array | undefined) ?? []) sum += v;
  return sum;
}

function realTotal(slots: Slots, name: string): number {
  let sum = 0;
  for (const v of (slots.get(name) as Float64Array | undefined) ?? []) sum += v;
  return sum;
}

/** Bucket b's count is the sum of the slots s ≡ b (mod B) that rows occupy. */
function histogramCounts(spec: ResultArtifact['spec'], slots: Slots): number[] {
  const width = bucketsOf(spec).length - 1;
  const counts = new Array<number>(width).fill(0);
  const h = slots.get('h') as BigInt64Array | undefined;
  if (!h) return counts;
  const used = histogramRowsPerChunk(spec, BFV.slots) * width;
  for (let s = 0; s < used; s++) counts[s % width]! += Number(h[s]!);
  return counts;
}
