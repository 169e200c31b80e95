import { SluiceError } from '../../../common/index.ts';
import { heContext } from '../params.ts';
import { bucketsOf, type OperationKind } from '../operations.ts';
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
  if (artifact.keyId !== sk.keyId || artifact.scheme !== sk.scheme) {
    throw new SluiceError('DECRYPT_FAILED', 'result was not computed under this key set');
  }
  if (artifact.n < (options.minGroupSize ?? 1)) {
    throw new SluiceError('GROUP_TOO_SMALL', 'the result covers too few rows to be released');
  }
  const totals = await slotTotals(sk.key, artifact);
  return { operation: artifact.spec.operation, value: finish(artifact, totals), n: artifact.n };
}

type Totals = Map<string, bigint | number>;

async function slotTotals(secretKey: Uint8Array, artifact: ResultArtifact): Promise<Totals> {
  const { seal, context } = await heContext(artifact.scheme);
  const key = seal.SecretKey();
  const cipher = seal.CipherText();
  const plain = seal.PlainText();
  const totals: Totals = new Map();
  try {
    key.loadArray(context, secretKey);
    const decryptor = seal.Decryptor(context, key);
    const batch = artifact.scheme === 'bfv' ? seal.BatchEncoder(context) : undefined;
    const ckks = artifact.scheme === 'ckks' ? seal.CKKSEncoder(context) : undefined;
    try {
      artifact.components.forEach((name, c) => {
        const bytes = artifact.ciphertexts[c];
        if (!bytes) return totals.set(name, artifact.scheme === 'bfv' ? 0n : 0);
        try {
          cipher.loadArray(context, bytes);
        } catch (cause) {
          throw new SluiceError('DECRYPT_FAILED', 'result ciphertext is malformed', undefined, { cause });
        }
        decryptor.decrypt(cipher, plain);
        if (batch) {
          let sum = 0n;
          for (const v of batch.decodeBigInt(plain, true)) sum += v;
          totals.set(name, sum);
        } else {
          let sum = 0;
          for (const v of ckks!.decode(plain)) sum += v;
          totals.set(name, sum);
        }
      });
    } finally {
      for (const o of [decryptor, batch, ckks]) o?.delete();
    }
  } finally {
    for (const o of [key, cipher, plain]) o.delete();
  }
  return totals;
}

function finish(artifact: ResultArtifact, totals: Totals): HeResult['value'] {
  const { spec, n } = artifact;
  if (spec.operation === 'count') return n;
  if (spec.operation === 'histogram') return bucketsOf(spec).slice(1).map((_, i) => Number(totals.get(`b${i}`)));
  if (artifact.scheme === 'ckks') {
    const s = totals.get('x') as number;
    if (spec.operation === 'sum' || spec.operation === 'weightedSum') return s;
    if (n === 0) return null;
    if (spec.operation === 'mean') return s / n;
    const mean = s / n;
    return Math.max(0, (totals.get('x2') as number) / n - mean * mean);
  }
  const scale = 10n ** BigInt(spec.decimals ?? 0);
  const s = totals.get('x') as bigint;
  if (spec.operation === 'sum' || spec.operation === 'weightedSum') return ratio(s, scale);
  if (n === 0) return null;
  if (spec.operation === 'mean') return ratio(s, BigInt(n) * scale);
  const squares = (totals.get('x2lo') as bigint) + ((totals.get('x2hi') as bigint) << 31n);
  // Population variance, exact up to the final division: (n·Σx² − (Σx)²) / (n²·scale²).
  return ratio(BigInt(n) * squares - s * s, BigInt(n) * BigInt(n) * scale * scale);
}

/** num/den as the nearest double, exact whenever the quotient is representable. */
function ratio(num: bigint, den: bigint): number {
  const whole = num / den;
  const rest = num - whole * den;
  return Number(whole) + Number(rest) / Number(den);
}
