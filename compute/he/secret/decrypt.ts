import { SluiceError } from '../../../common/index.ts';
import { BFV, heContext, type HeScheme } from '../params.ts';
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
 * What a released figure is computed from: the folded totals of the decrypted slots, and the
 * row count. Exact integers under BFV (in units of 10^−decimals; squares in 10^−2·decimals),
 * reals under CKKS. The KMS adds differential-privacy noise to these, not to the figure.
 */
export interface ResultTotals {
  operation: OperationKind;
  scheme: HeScheme;
  n: number;
  decimals: number;
  /** Σx (sum, mean, variance, weightedSum). */
  sum?: bigint | number;
  /** Σx² (variance). */
  squares?: bigint | number;
  /** Rows per bucket (histogram). */
  counts?: number[];
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
  const totals: ResultTotals = { operation: spec.operation, scheme, n, decimals: spec.decimals ?? 0 };
  if (spec.operation === 'histogram') totals.counts = histogramCounts(spec, slots);
  else if (spec.operation !== 'count') {
    totals.sum = scheme === 'ckks' ? realTotal(slots, 'x') : exactTotal(slots, 'x');
    if (spec.operation === 'variance') totals.squares = scheme === 'ckks' ? realTotal(slots, 'x2') : exactTotal(slots, 'x2lo') + (exactTotal(slots, 'x2hi') << 31n);
  }
  return totals;
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

/** The released figure of some totals (exact, or with noise already added to them). */
export function finishTotals(totals: ResultTotals): HeResult {
  const { operation, n } = totals;
  return { operation, value: figure(totals), n };
}

function figure(totals: ResultTotals): HeResult['value'] {
  const { operation, n } = totals;
  if (operation === 'count') return n;
  if (operation === 'histogram') return totals.counts!;
  if (operation !== 'sum' && operation !== 'weightedSum' && n === 0) return null;
  if (totals.scheme === 'ckks') {
    const s = totals.sum as number;
    if (operation === 'sum' || operation === 'weightedSum') return s;
    const mean = s / n;
    if (operation === 'mean') return mean;
    return Math.max(0, (totals.squares as number) / n - mean * mean);
  }
  const scale = 10n ** BigInt(totals.decimals);
  const s = totals.sum as bigint;
  if (operation === 'sum' || operation === 'weightedSum') return ratio(s, scale);
  if (operation === 'mean') return ratio(s, BigInt(n) * scale);
  // Population variance, exact up to the final division: (n·Σx² − (Σx)²) / (n²·scale²); noisy totals may dip below 0.
  return Math.max(0, ratio(BigInt(n) * (totals.squares as bigint) - s * s, BigInt(n) * BigInt(n) * scale * scale));
}

/** num/den as the nearest double, exact whenever the quotient is representable. */
function ratio(num: bigint, den: bigint): number {
  const whole = num / den;
  const rest = num - whole * den;
  return Number(whole) + Number(rest) / Number(den);
}
