import { FTZS, LEGAL_BASES, MECHANISMS, MODALITIES, SCENARIO_KINDS } from './scenario.ts';

const count = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const optionalCount = { ...count, nullable: true } as const;

/** `2026-05-01` (a China date) or an ISO 8601 timestamp with `Z` or an offset. */
export const transferDate = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
} as const;

/** JSON schema of a Scenario (SURFACE.md) plus the optional `legalBasis`; usable as a Fastify body schema. */
export const scenarioSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['date', 'exporter', 'scenario', 'data'],
  properties: {
    date: transferDate,
    exporter: {
      type: 'object',
      additionalProperties: false,
      required: ['ciio'],
      properties: {
        ciio: { type: 'boolean' },
        ftz: { type: 'string', enum: [...FTZS, null], nullable: true },
      },
    },
    scenario: { type: 'string', enum: [...SCENARIO_KINDS] },
    modality: { type: 'string', enum: [...MODALITIES, null], nullable: true },
    legalBasis: { type: 'string', enum: [...LEGAL_BASES, null], nullable: true },
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['personal', 'sensitive', 'important', 'core'],
      properties: {
        personal: count,
        sensitive: count,
        important: { type: 'boolean' },
        core: { type: 'boolean' },
        personalSincePreviousYear: optionalCount,
        sensitiveSincePreviousYear: optionalCount,
        processedPersons: optionalCount,
      },
    },
  },
} as const;

/** JSON schema of an Assessment (SURFACE.md); usable as a Fastify response schema. */
export const assessmentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['mechanism', 'regime', 'rules', 'duties', 'explanation'],
  properties: {
    mechanism: { type: 'string', enum: [...MECHANISMS] },
    regime: { type: 'string', enum: ['2022', '2024'] },
    rules: { type: 'array', items: { type: 'string', pattern: '^R-[A-Z0-9-]+$' } },
    duties: { type: 'array', items: { type: 'string', pattern: '^R-DUTY-[A-Z-]+$' } },
    explanation: { type: 'string' },
  },
} as const;
