import { SluiceError } from '../../../common/index.ts';
import { BFV, heContext } from '../params.ts';
import { bucketsOf, histogramRowsPerChunk, type OperationKind } from '../operations.ts';
import { decodeResult, type ResultArtifact } from '../artifacts.ts';
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
  return { operation: artifact.spec.operation, value: finish(artifact, slots), n: artifact.n };
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

function finish(artifact: ResultArtifact, slots: Slots): HeResult['value'] {
  const { spec, n } = artifact;
  if (spec.operation === 'count') return n;
  if (spec.operation === 'histogram') return histogramCounts(spec, slots);
  if (artifact.scheme === 'ckks') {
    const s = realTotal(slots, 'x');
    if (spec.operation === 'sum' || spec.operation === 'weightedSum') return s;
    if (n === 0) return null;
    if (spec.operation === 'mean') return s / n;
    const mean = s / n;
    return Math.max(0, realTotal(slots, 'x2') / n - mean * mean);
  }
  const scale = 10n ** BigInt(spec.decimals ?? 0);
  const s = exactTotal(slots, 'x');
  if (spec.operation === 'sum' || spec.operation === 'weightedSum') return ratio(s, scale);
  if (n === 0) return null;
  if (spec.operation === 'mean') return ratio(s, BigInt(n) * scale);
  const squares = exactTotal(slots, 'x2lo') + (exactTotal(slots, 'x2hi') << 31n);
  // Population variance, exact up to the final division: (n·Σx² − (Σx)²) / (n²·scale²).
  return ratio(BigInt(n) * squares - s * s, BigInt(n) * BigInt(n) * scale * scale);
}

/** num/den as the nearest double, exact whenever the quotient is representable. */
function ratio(num: bigint, den: bigint): number {
  const whole = num / den;
  const rest = num - whole * den;
  return Number(whole) + Number(rest) / Number(den);
}
