import type { FromSchema } from 'json-schema-to-ts';
import { fail } from '../../../common/index.ts';
import { NOISE_SCHEMA } from '../../../compute/index.ts';

export const BUDGET_PERIODS = ['day', 'month', 'year'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

const finite = { type: 'number', minimum: -1e15, maximum: 1e15 } as const;

export const disclosureTermsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    minGroupSize: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    // Default false: weightedSum weights must be positive, so inputs cannot be subtracted.
    signedWeights: { type: 'boolean' },
    dp: {
      type: 'object',
      required: ['epsilon', 'budget', 'period'],
      additionalProperties: false,
      properties: {
        epsilon: { type: 'number', minimum: 0.000001, maximum: 100 },
        budget: { type: 'number', minimum: 0.000001, maximum: 10_000 },
        period: { type: 'string', enum: [...BUDGET_PERIODS] },
        // Default 1: a person's further rows are left out of every release.
        rowsPerPerson: { type: 'integer', minimum: 1, maximum: 10_000 },
        // Per column a sum, mean or variance may read: values are clamped into [lower, upper].
        bounds: {
          type: 'object',
          maxProperties: 256,
          additionalProperties: { type: 'object', required: ['lower', 'upper'], additionalProperties: false, properties: { lower: finite, upper: finite } },
        },
      },
    },
  },
} as const;

/**
 * What a contract's owner signs about releases computed on its data (contract term
 * `disclosure`): a group-size floor of its own, whether weights may be negative, and
 * differential privacy — ε per release, a budget of ε per period for this recipient, how many
 * rows of a person count, and the bounds each column's values are clamped to.
 */
export type DisclosureTerms = FromSchema<typeof disclosureTermsSchema>;
export type DpTerms = NonNullable<DisclosureTerms['dp']>;

/** Checks what the schema cannot: bounds name fields the contract lets into aggregates, in order, and one release fits the budget. */
export function validateDisclosureTerms(terms: DisclosureTerms, fields: Record<string, { transform: string }>): void {
  const dp = terms.dp;
  if (!dp) return;
  if (micros(dp.budget) < micros(dp.epsilon)) throw fail.validation('the privacy budget must hold at least one release', { field: 'disclosure.dp.budget' });
  for (const [column, bound] of Object.entries(dp.bounds ?? {})) {
    const transform = fields[column]?.transform;
    if (transform !== 'aggregate' && transform !== 'keep') throw fail.validation('bounds name a column the contract does not let into aggregates', { field: 'disclosure.dp.bounds' });
    if (!(bound.lower <= bound.upper)) throw fail.validation('a lower bound is above its upper bound', { field: 'disclosure.dp.bounds' });
  }
}

/** ε in millionths: budgets add and compare exactly. A hair under the signed figure, never over. */
export function micros(epsilon: number): number {
  return Math.floor(epsilon * 1e6 + 1e-6);
}

/** JSON schema of `OwnerPreview` (controls.ts): what `GET /v1/compute/jobs/:id` shows an input's owner. */
export const ownerPreviewSchema = {
  type: 'object',
  required: ['coveredPersons', 'smallestCell', 'suppressedCells', 'overlap'],
  properties: {
    coveredPersons: { type: 'integer' },
    smallestCell: { type: 'integer' },
    suppressedCells: { type: 'array', items: { type: 'integer' } },
    overlap: {
      type: ['object', 'null'],
      required: ['earlierFigures', 'closest'],
      properties: {
        earlierFigures: { type: 'integer' },
        closest: {
          type: ['object', 'null'],
          required: ['jobId', 'differingPersons'],
          properties: { jobId: { type: 'string' }, differingPersons: { type: ['integer', 'null'] } },
        },
      },
    },
    noise: NOISE_SCHEMA,
    budget: {
      type: 'object',
      required: ['epsilon', 'spent', 'remaining', 'period'],
      properties: { epsilon: { type: 'number' }, spent: { type: 'number' }, remaining: { type: 'number' }, period: { type: 'string' } },
    },
  },
} as const;
