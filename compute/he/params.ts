export type HeScheme = 'bfv' | 'ckks';

export const HE_SCHEMES: readonly HeScheme[] = ['bfv', 'ckks'];

/**
 * Fixed parameter sets; the id of the one a key set uses travels in every key, column and
 * result, so artifacts of different parameters are never mixed. This module is the parameters
 * alone, light enough for every side to import; their SEAL contexts are built in context.ts.
 *
 * All use N = 8192 with a coefficient modulus of at most 218 bits, the largest the HE security
 * standard allows for 128-bit classical security at N = 8192 (SEAL's `tc128` table enforces it
 * when the context is built).
 */
/** Ring dimension of every set. */
export const N = 8192;

export const BFV = {
  // 59 bits so the batching prime cannot coincide with a 60-bit coefficient prime.
  plainModulusBits: 59,
  slots: 8192,
  /** Every slot value a contributor encrypts satisfies |v| < 2^31. */
  valueBound: 2n ** 31n,
  /** Slot accumulators decode exactly while |acc| < t/2; 2^57 keeps a margin below t/2 > 2^57. */
  accumulatorBound: 2n ** 57n,
} as const;

export const CKKS = {
  scaleBits: 40,
  slots: 4096,
  /** Contributors encrypt reals with |x| ≤ 2^30. */
  valueBound: 2 ** 30,
  /** log2 of the data-level modulus (60+40+40) less a margin for the sign and the noise. */
  capacityBits: 135,
} as const;

export interface ParameterSet {
  scheme: HeScheme;
  coeffModulusBits: readonly number[];
  /** Whether the noise budget allows the worker a plaintext multiplication (weighted sums). */
  plaintextMultiply: boolean;
}

export const PARAMETER_SETS: Readonly<Record<string, ParameterSet>> = {
  // Additions only: 60+60+60, the last prime special. Fresh noise budget 53 bits, enough for
  // 2^26 additions per slot; encryption ~30 % faster and ciphertexts a third smaller than below.
  'bfv-8192-180-t59-v1': { scheme: 'bfv', coeffModulusBits: [60, 60, 60], plaintextMultiply: false },
  // Weighted sums: three 60-bit data primes keep ~49 bits after a plaintext multiplication. The
  // small special prime is enough because our circuits never key-switch.
  'bfv-8192-218-t59-v1': { scheme: 'bfv', coeffModulusBits: [60, 60, 60, 38], plaintextMultiply: true },
  'ckks-8192-200-s40-v1': { scheme: 'ckks', coeffModulusBits: [60, 40, 40, 60], plaintextMultiply: true },
};

/** The parameter set a job gets: the cheapest one that can evaluate what it asks for. */
export function parameterSetFor(scheme: HeScheme, plaintextMultiply: boolean): string {
  if (scheme === 'ckks') return 'ckks-8192-200-s40-v1';
  return plaintextMultiply ? 'bfv-8192-218-t59-v1' : 'bfv-8192-180-t59-v1';
}

export function isParameterSet(id: unknown, scheme: HeScheme): id is string {
  return typeof id === 'string' && Object.hasOwn(PARAMETER_SETS, id) && PARAMETER_SETS[id]!.scheme === scheme;
}

export function slotCount(scheme: HeScheme): number {
  return scheme === 'bfv' ? BFV.slots : CKKS.slots;
}
