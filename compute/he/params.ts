import { SluiceError } from '../../common/index.ts';
import { loadSeal, type Seal, type SealContext } from './seal.ts';

export type HeScheme = 'bfv' | 'ckks';

export const HE_SCHEMES: readonly HeScheme[] = ['bfv', 'ckks'];

/**
 * One fixed parameter set per scheme; its id travels in every key, column and result so a
 * change of parameters can never be mixed with data encrypted under the old ones.
 *
 * Both sets use N = 8192 with a 218-bit coefficient modulus, the largest the HE security
 * standard allows for 128-bit classical security at N = 8192 (SEAL's `tc128` table enforces
 * it when the context is built).
 */
export const BFV = {
  id: 'bfv-8192-218-t59-v1',
  polyModulusDegree: 8192,
  // Three 60-bit data primes and a small special prime: our circuits are additions and
  // plaintext multiplications, which never key-switch, so the special prime only has to exist.
  // Fewer, larger primes than SEAL's default (43,43,44,44,44) give a 25 % smaller ciphertext.
  coeffModulusBits: [60, 60, 60, 38],
  // 59 bits so the batching prime cannot coincide with a 60-bit coefficient prime.
  plainModulusBits: 59,
  slots: 8192,
  /** Every slot value a contributor encrypts satisfies |v| < 2^31. */
  valueBound: 2n ** 31n,
  /** Slot accumulators decode exactly while |acc| < t/2; 2^57 keeps a margin below t/2 > 2^57. */
  accumulatorBound: 2n ** 57n,
} as const;

export const CKKS = {
  id: 'ckks-8192-200-s40-v1',
  polyModulusDegree: 8192,
  coeffModulusBits: [60, 40, 40, 60],
  scaleBits: 40,
  slots: 4096,
  /** Contributors encrypt reals with |x| ≤ 2^30. */
  valueBound: 2 ** 30,
  /** log2 of the data-level modulus (60+40+40) less a margin for the sign and the noise. */
  capacityBits: 135,
} as const;

export function paramsId(scheme: HeScheme): string {
  return scheme === 'bfv' ? BFV.id : CKKS.id;
}

export function slotCount(scheme: HeScheme): number {
  return scheme === 'bfv' ? BFV.slots : CKKS.slots;
}

export interface HeContext {
  seal: Seal;
  context: SealContext;
  scheme: HeScheme;
}

const contexts = new Map<HeScheme, Promise<HeContext>>();

/** The SEAL context of a scheme, built once per process. */
export function heContext(scheme: HeScheme): Promise<HeContext> {
  if (!HE_SCHEMES.includes(scheme)) throw new SluiceError('VALIDATION_FAILED', 'unknown homomorphic scheme');
  let context = contexts.get(scheme);
  if (!context) {
    context = build(scheme);
    contexts.set(scheme, context);
  }
  return context;
}

async function build(scheme: HeScheme): Promise<HeContext> {
  const seal = await loadSeal();
  const set = scheme === 'bfv' ? BFV : CKKS;
  const parms = seal.EncryptionParameters(scheme === 'bfv' ? seal.SchemeType.bfv : seal.SchemeType.ckks);
  parms.setPolyModulusDegree(set.polyModulusDegree);
  parms.setCoeffModulus(seal.CoeffModulus.Create(set.polyModulusDegree, Int32Array.from(set.coeffModulusBits)));
  if (scheme === 'bfv') parms.setPlainModulus(seal.PlainModulus.Batching(BFV.polyModulusDegree, BFV.plainModulusBits));
  // No modulus-switching chain: nothing here ever leaves the first data level, and building the
  // lower levels is a third of the context's set-up time, paid again by every job child.
  const context = seal.Context(parms, false, seal.SecurityLevel.tc128);
  if (!context.parametersSet()) throw new SluiceError('INTERNAL', 'homomorphic parameters rejected');
  return { seal, context, scheme };
}
