import { SluiceError, type Config } from '../../../common/index.ts';
import type { DpRelease } from '../../../compute/index.ts';
import type { AuthorizedInput } from '../inputs.ts';
import type { CreateJobBody } from '../schemas.ts';
import type { DisclosureReason } from './audit.ts';
import type { ProfileInput } from './profile.ts';
import { micros, type BudgetPeriod } from './terms.ts';

/** One owner's budget a job draws on: the smallest its contracts in the job sign for that period. */
export interface BudgetClaim {
  ownerId: string;
  period: BudgetPeriod;
  budgetMicros: number;
  epsilonMicros: number;
}

/** The controls a job runs under, fixed from the request and the signed contracts before any data is read. */
export interface DisclosurePlan {
  /** The group-size floor: the platform's, every contract's, the request's — the largest. */
  floor: number;
  /** Difference-sketch width: room to peel every difference that matters at this floor. */
  width: number;
  inputs: ProfileInput[];
  /** What the KMS noises the release with; absent when no contract carries DP terms. */
  dp?: DpRelease;
  budgets: BudgetClaim[];
}

const SUM_LIKE = new Set(['sum', 'mean', 'variance', 'weightedSum']);

const RISK_MESSAGES: Record<DisclosureReason, string> = {
  signed_weights: 'negative weights subtract inputs from each other; every contract must allow signed weights',
  small_input: 'a weighted input covers fewer persons than the floor',
  small_share: 'one owner’s share of the job covers fewer persons than the floor: other jobs could subtract it out',
  differencing: 'the job’s persons differ from an earlier release’s by fewer than the floor: subtracting the two would single them out',
  tracker: 'together with two earlier releases the job isolates fewer persons than the floor',
  undecidable: 'the job is too close to an earlier release to tell how many persons differ',
  audit_limit: 'the job is near too many earlier releases to audit',
};

/** `403 DISCLOSURE_RISK` with `details: {reason}`; the message says what the reason means, never which persons. */
export function disclosureRisk(reason: DisclosureReason): SluiceError {
  return new SluiceError('DISCLOSURE_RISK', RISK_MESSAGES[reason], { reason });
}

/**
 * The floor, the weights' signs, and the owners' DP terms turned into what the profile and the
 * KMS apply. Refuses what no data could make safe: signed weights the contracts do not allow,
 * DP contracts under a PSI (its cardinality cannot be noised) or without bounds for a summed
 * column.
 */
export function planDisclosure(config: Config, body: CreateJobBody, authorized: readonly AuthorizedInput[]): DisclosurePlan {
  const terms = authorized.map((a) => a.terms.disclosure ?? {});
  const floor = Math.max(config.minGroupSize, body.minGroupSize ?? 0, ...terms.map((t) => t.minGroupSize ?? 0));
  const weights = body.weights ?? [];
  if (weights.some((w) => w < 0) && !terms.every((t) => t.signedWeights === true)) {
    throw disclosureRisk('signed_weights');
  }
  const dpInputs = terms.flatMap((t, i) => (t.dp ? [{ dp: t.dp, index: i }] : []));
  if (dpInputs.length > 0 && body.operation === 'psi') {
    throw new SluiceError('FORBIDDEN', 'the contract’s differential-privacy terms allow noised aggregates only, not a PSI', { input: dpInputs[0]!.index });
  }
  const inputs: ProfileInput[] = authorized.map((a, i) => {
    const dp = terms[i]!.dp;
    const input: ProfileInput = { owner: a.contract.owner_id, weight: weights[i] ?? 1 };
    if (!dp) return input;
    const bound = dp.bounds?.[body.column];
    if (SUM_LIKE.has(body.operation) && !bound) {
      throw new SluiceError('FORBIDDEN', 'the contract’s differential-privacy terms set no bounds for this column', { input: i });
    }
    input.dp = { rowsPerPerson: dp.rowsPerPerson ?? 1, ...(bound && SUM_LIKE.has(body.operation) ? bound : {}) };
    return input;
  });
  const plan: DisclosurePlan = { floor, width: sketchWidth(floor), inputs, budgets: [] };
  if (dpInputs.length === 0) return plan;
  const epsilonMicros = Math.min(...dpInputs.map((d) => micros(d.dp.epsilon)));
  plan.dp = {
    epsilonMicros,
    bound: Math.max(0, ...inputs.map((i) => (i.dp ? Math.max(Math.abs(i.dp.lower ?? 0), Math.abs(i.dp.upper ?? 0)) : 0))),
    rowsPerPerson: Math.max(...inputs.map((i) => i.dp?.rowsPerPerson ?? 1)),
    weight: Math.max(1, ...weights.map(Math.abs)),
  };
  const claims = new Map<string, BudgetClaim>();
  for (const { dp, index } of dpInputs) {
    const ownerId = authorized[index]!.contract.owner_id;
    const key = `${ownerId}\u0000${dp.period}`;
    const budgetMicros = Math.min(claims.get(key)?.budgetMicros ?? Infinity, micros(dp.budget));
    claims.set(key, { ownerId, period: dp.period, budgetMicros, epsilonMicros });
  }
  plan.budgets = [...claims.values()];
  return plan;
}

/** Cells per subtable: ≥ 4.5 per element of a three-term combination of sets (f − 1) persons apart, 64 to 1024. */
function sketchWidth(floor: number): number {
  return Math.min(1024, 2 ** Math.ceil(Math.log2(Math.max(64, 4.5 * (floor - 1)))));
}
