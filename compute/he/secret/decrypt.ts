import { SluiceError } from '../../../common/index.ts';
import { BFV, heContext } from '../params.ts';
import { bucketsOf, histogramRowsPerChunk, type OperationKind } from '../operations.ts';
import { decodeResult, type ResultArtifact } from '../artifacts.ts';
import { partialLayout, readLimbs, type Place } from '../partials.ts';
import { decodeSecretKey } from './secret-key.ts';

export interface HeResult {
  operation: OperationKind;
  /** A number; for `histogram` the counts per bucket; `null` for mean/variance of no rows. */
  value: number | number[] | null;
  n: number;
}

export interface DecryptOptions {
  /** Results over fewer rows are refused with GROUP_TOO_SMALL. */
  minGroupSize?: number;
}

/**
 * Secret-key holder side (the KMS): decrypts an evaluated result and folds its slots into
 * the released figure. Only that figure leaves the KMS; the per-slot partial sums never do.
 */
export async function decryptResult(secretKey: Uint8Array, result: Uint8Array, options: DecryptOptions = {}): Promise<HeResult> {
  const sk = decodeSecretKey(secretKey);
  const artifact = decodeResult(result);
  if (artifact.keyId !== sk.keyId || artifact.scheme !== sk.scheme || artifact.params !== sk.params) {
    throw new SluiceError('DECRYPT_FAILED', 'result was not computed under this key set');
  }
  if (artifact.n < (options.minGroupSize ?? 1)) {
    throw new SluiceError('GROUP_TOO_SMALL', 'the result covers too few rows to be released');
  }
  const slots = await decodeSlots(sk.key, artifact);
  return { operation: artifact.spec.operation, value: finish(artifact, totalsOf(artifact, slots)), n: artifact.n };
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

/** The job's totals, whichever layout the contributors used; BFV totals are exact. */
interface Totals {
  x: bigint | number;
  x2: bigint | number;
  bins: number[];
}

function totalsOf(artifact: ResultArtifact, slots: Slots): Totals {
  const { spec, scheme } = artifact;
  if (spec.pushdown) {
    // One vector of partials, summed over the inputs: read each quantity where the layout put it.
    const layout = partialLayout(scheme, spec);
    const p = slots.get('p');
    if (scheme === 'bfv') {
      const limbs = (place: Place | undefined) => (p && place ? readLimbs(p as BigInt64Array, place) : 0n);
      return { x: limbs(layout.x), x2: limbs(layout.x2), bins: (layout.bins ?? []).map((place) => Number(limbs(place))) };
    }
    const real = (place: Place | undefined) => (p && place ? (p as Float64Array)[place.offset]! : 0);
    return { x: real(layout.x), x2: real(layout.x2), bins: [] };
  }
  if (scheme === 'ckks') return { x: realTotal(slots, 'x'), x2: realTotal(slots, 'x2'), bins: [] };
  const bins = spec.operation === 'histogram' ? histogramCounts(spec, slots) : [];
  return { x: exactTotal(slots, 'x'), x2: exactTotal(slots, 'x2lo') + (exactTotal(slots, 'x2hi') << 31n), bins };
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

function finish(artifact: ResultArtifact, totals: Totals): HeResult['value'] {
  const { spec, n } = artifact;
  if (spec.operation === 'count') return n;
  if (spec.operation === 'histogram') return totals.bins;
  const summed = spec.operation === 'sum' || spec.operation === 'weightedSum' || spec.operation === 'intersectionSum';
  if (artifact.scheme === 'ckks') {
    const s = totals.x as number;
    if (summed) return s;
    if (n === 0) return null;
    if (spec.operation === 'mean') return s / n;
    const mean = s / n;
    return Math.max(0, (totals.x2 as number) / n - mean * mean);
  }
  const scale = 10n ** BigInt(spec.decimals ?? 0);
  const s = totals.x as bigint;
  if (summed) return ratio(s, scale);
  if (n === 0) return null;
  if (spec.operation === 'mean') return ratio(s, BigInt(n) * scale);
  // Population variance, exact up to the final division: (n·Σx² − (Σx)²) / (n²·scale²).
  return ratio(BigInt(n) * (totals.x2 as bigint) - s * s, BigInt(n) * BigInt(n) * scale * scale);
}

/** num/den as the nearest double, exact whenever the quotient is representable. */
function ratio(num: bigint, den: bigint): number {
  const whole = num / den;
  const rest = num - whole * den;
  return Number(whole) + Number(rest) / Number(den);
}
