import { SluiceError } from '../../common/errors.ts';
import { BFV, N, PARAMETER_SETS, type ParameterSet } from './params.ts';
import { loadSeal, type Seal, type SealContext } from './seal.ts';

export interface HeContext {
  seal: Seal;
  context: SealContext;
  set: ParameterSet;
}

const contexts = new Map<string, Promise<HeContext>>();

/** The SEAL context of a parameter set, built once per process. */
export function heContext(params: string): Promise<HeContext> {
  const set = Object.hasOwn(PARAMETER_SETS, params) ? PARAMETER_SETS[params] : undefined;
  if (!set) throw new SluiceError('VALIDATION_FAILED', 'unknown homomorphic parameter set');
  let context = contexts.get(params);
  if (!context) {
    context = build(set);
    contexts.set(params, context);
  }
  return context;
}

/**
 * Loads SEAL and builds every parameter set's context ahead of the first job (~0.25 s that
 * would otherwise land on it). For long-lived processes: the KMS calls it as it starts.
 */
export async function warmHeContexts(): Promise<void> {
  await Promise.all(Object.keys(PARAMETER_SETS).map((id) => heContext(id)));
}

async function build(set: ParameterSet): Promise<HeContext> {
  const seal = await loadSeal();
  const bfv = set.scheme === 'bfv';
  const parms = seal.EncryptionParameters(bfv ? seal.SchemeType.bfv : seal.SchemeType.ckks);
  parms.setPolyModulusDegree(N);
  parms.setCoeffModulus(seal.CoeffModulus.Create(N, Int32Array.from(set.coeffModulusBits)));
  if (bfv) parms.setPlainModulus(seal.PlainModulus.Batching(N, BFV.plainModulusBits));
  // No modulus-switching chain: nothing here ever leaves the first data level, and building the
  // lower levels is a third of the context's set-up time, paid again by every job child.
  const context = seal.Context(parms, false, seal.SecurityLevel.tc128);
  if (!context.parametersSet()) throw new SluiceError('INTERNAL', 'homomorphic parameters rejected');
  return { seal, context, set };
}
