import { fail } from '../../common/index.ts';
import { BFV, CKKS, type ColumnSpec, type DpRelease, type HeScheme, type OperationKind, type PsiMode } from '../../compute/index.ts';
import type { CreateJobBody } from './schemas.ts';
import type { ComputeJobsTable, JobOperation } from './tables.ts';

/** What a job keeps of its request besides the columns named in its own row. */
export interface JobParams {
  buckets?: number[];
  decimals?: number;
  weights?: number[];
  /** The noise the owners' contracts require of the release (the KMS applies it). */
  dp?: DpRelease;
  mode?: PsiMode;
  /** Kept explicitly for every aggregate: jobs stored before push-down existed are row-level. */
  pushdown?: boolean;
}

const DECIMAL_OPERATIONS: readonly JobOperation[] = ['sum', 'mean', 'variance', 'weightedSum'];

/** Combinations the schema cannot express; refused before anything is read or created. */
export function checkRequest(body: CreateJobBody): void {
  const { operation } = body;
  const he = operation !== 'psi';
  const homomorphic = isHomomorphic(body);
  const only = (field: keyof CreateJobBody, allowed: boolean, scope: string) => {
    if (body[field] !== undefined && !allowed) throw fail.validation(`${field} applies to ${scope} only`, { field });
  };
  only('mode', !he, 'psi');
  only('scheme', homomorphic, 'homomorphic operations');
  only('contributors', he, 'homomorphic aggregates');
  only('pushdown', he, 'homomorphic aggregates');
  only('buckets', operation === 'histogram', 'histogram');
  only('decimals', DECIMAL_OPERATIONS.includes(operation) || isPrivateJoin(operation, body), `${DECIMAL_OPERATIONS.join(', ')} and psi sums`);
  only('weights', operation === 'weightedSum', 'weightedSum');
  if (operation === 'histogram') {
    const buckets = body.buckets;
    if (!buckets) throw fail.validation('histogram needs buckets', { field: 'buckets' });
    if (buckets.some((b, i) => i > 0 && !(b > buckets[i - 1]!))) throw fail.validation('bucket bounds must be strictly ascending', { field: 'buckets' });
  }
  if (body.scheme === 'ckks' && (operation === 'histogram' || operation === 'count' || body.decimals !== undefined)) {
    throw fail.validation('histograms, counts and decimals are exact: they use BFV', { field: 'scheme' });
  }
  if (operation === 'weightedSum') {
    const expected = body.inputs.length + (body.contributors?.length ?? 0);
    if (body.weights?.length !== expected) throw fail.validation('weightedSum needs one weight per input and contributor', { field: 'weights' });
    const bound = body.scheme === 'ckks' ? CKKS.valueBound : Number(BFV.valueBound) - 1;
    if (body.weights.some((w) => Math.abs(w) > bound)) throw fail.validation('a weight is outside the range the scheme computes on', { field: 'weights' });
  }
  const contracts = body.inputs.map((i) => i.contractId);
  if (new Set(contracts).size !== contracts.length) throw fail.validation('each contract may be an input once', { field: 'inputs' });
}

export function paramsOf(body: CreateJobBody, dp?: DpRelease): JobParams {
  const params: JobParams = {};
  if (body.buckets) params.buckets = body.buckets;
  if (body.decimals !== undefined) params.decimals = body.decimals;
  if (body.weights) params.weights = body.weights;
  if (dp) params.dp = dp;
  if (body.operation === 'psi') params.mode = body.mode ?? 'cardinality';
  else params.pushdown = body.pushdown ?? true;
  return params;
}

/** Jobs with a key set: every aggregate, and a private join (the requester's values are encrypted). */
export function isHomomorphic(body: Pick<CreateJobBody, 'operation' | 'mode'>): boolean {
  return body.operation !== 'psi' || isPrivateJoin(body.operation, body);
}

/** A PSI job in `sum` mode: the partner's values summed over the persons it shares with the owners. */
export function isPrivateJoin(operation: JobOperation, params: Pick<JobParams, 'mode'>): boolean {
  return operation === 'psi' && params.mode === 'sum';
}

export function jobParams(job: Pick<ComputeJobsTable, 'params'>): JobParams {
  return JSON.parse(job.params) as JobParams;
}

/** How contributors encrypt their columns for this job (`encryptColumn`'s spec). */
export function columnSpec(job: ComputeJobsTable): ColumnSpec {
  return specOf(job.operation, jobParams(job));
}

/**
 * The encryption spec of an operation with these parameters, before or after the job row exists.
 * A private join encrypts the partner's values for `intersectionSum`.
 */
export function specOf(operation: JobOperation, params: JobParams): ColumnSpec {
  const spec: ColumnSpec = { operation: operation === 'psi' ? 'intersectionSum' : (operation as OperationKind) };
  if (params.buckets) spec.buckets = params.buckets;
  if (params.decimals) spec.decimals = params.decimals;
  if (params.pushdown) spec.pushdown = true;
  return spec;
}

/**
 * BFV computes exactly on integers (or decimals scaled by `decimals`); it would round other
 * reals silently, so a job over reals without `decimals` goes to CKKS — or is refused when the
 * requester insisted on BFV. Contributors' values are not known here: jobs expecting fractional
 * contributions state `decimals` or `scheme: "ckks"`.
 */
export function schemeFor(body: CreateJobBody, integralValues: boolean): HeScheme {
  if (body.operation === 'histogram' || body.operation === 'count') return 'bfv';
  const fractions = () => fail.validation('values or weights have fractions: set decimals, or use ckks', { field: 'scheme' });
  const integralWeights = (body.weights ?? []).every(Number.isInteger);
  if (body.decimals !== undefined) {
    if (!integralWeights) throw fractions();
    return 'bfv';
  }
  const integral = integralWeights && integralValues;
  if (body.scheme === 'bfv' && !integral) throw fractions();
  return body.scheme ?? (integral ? 'bfv' : 'ckks');
}

/** The scheme the request fixes whatever the values are; undefined when the values decide. */
export function declaredScheme(body: CreateJobBody): HeScheme | undefined {
  if (body.operation === 'histogram' || body.operation === 'count' || body.decimals !== undefined) return 'bfv';
  return body.scheme;
}
