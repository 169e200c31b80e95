import { AGGREGATES, HE_SCHEMES } from '../../compute/index.ts';
import type { FromSchema } from 'json-schema-to-ts';
import { ID_PATTERN } from '../ids.ts';
import type { JobOperation } from './tables.ts';
import { ownerPreviewSchema } from './disclosure/terms.ts';

export const JOB_STATUSES = ['queued', 'running', 'awaiting_approval', 'released', 'failed'] as const;

const partyIds = { type: 'array', items: { type: 'string' } } as const;

export const createJobBody = {
  type: 'object',
  required: ['operation', 'column', 'purpose', 'inputs'],
  additionalProperties: false,
  properties: {
    // AGGREGATES is typed as any operation kind; it holds none but the aggregates a job may request.
    operation: { type: 'string', enum: [...AGGREGATES, 'psi'] as readonly JobOperation[] },
    column: { type: 'string', minLength: 1, maxLength: 64 },
    purpose: { type: 'string', minLength: 1, maxLength: 200 },
    inputs: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: {
        type: 'object',
        required: ['datasetId', 'contractId'],
        additionalProperties: false,
        properties: { datasetId: { type: 'string', pattern: ID_PATTERN }, contractId: { type: 'string', pattern: ID_PATTERN } },
      },
    },
    minGroupSize: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    buckets: { type: 'array', minItems: 2, maxItems: 257, items: { type: 'number' } },
    decimals: { type: 'integer', minimum: 0, maximum: 9 },
    scheme: { type: 'string', enum: [...HE_SCHEMES] },
    // `weightedSum`: one plaintext weight per input, then per contributor, in order.
    weights: { type: 'array', minItems: 1, maxItems: 80, items: { type: 'number' } },
    contributors: { type: 'array', maxItems: 16, uniqueItems: true, items: { type: 'string', pattern: ID_PATTERN } },
    mode: { type: 'string', enum: ['cardinality', 'intersection', 'sum'] },
    pushdown: { type: 'boolean', description: 'aggregates: reduce each column to partial aggregates where it is stored (default true); false encrypts every row' },
  },
} as const;

export type CreateJobBody = FromSchema<typeof createJobBody>;

export const createdJobResponse = {
  type: 'object',
  required: ['id', 'status'],
  properties: { id: { type: 'string' }, status: { type: 'string', enum: [...JOB_STATUSES] } },
} as const;

export const jobResponse = {
  type: 'object',
  required: ['id', 'status', 'progress'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: [...JOB_STATUSES] },
    progress: { type: 'number', minimum: 0, maximum: 1 },
    operation: { type: 'string' },
    column: { type: 'string' },
    purpose: { type: 'string' },
    minGroupSize: { type: 'integer' },
    approvals: partyIds,
    pending: partyIds,
    /** For an input's owner: what the job reveals of its persons, before it approves. */
    disclosure: ownerPreviewSchema,
  },
} as const;

/** Approving takes no terms: the job's parameters are what the owner approves. */
export const approveBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {},
  description: 'empty: no body, or {}',
} as const;

export const approveResponse = {
  type: 'object',
  required: ['status', 'approvals', 'pending'],
  properties: { status: { type: 'string', enum: [...JOB_STATUSES] }, approvals: partyIds, pending: partyIds },
} as const;

export const jobKeyResponse = {
  type: 'object',
  required: ['keysetId', 'scheme', 'publicKey', 'spec'],
  properties: {
    keysetId: { type: 'string' },
    scheme: { type: 'string' },
    publicKey: { type: 'string', description: 'the job public-key artifact, base64' },
    spec: {
      type: 'object',
      required: ['operation'],
      properties: { operation: { type: 'string' }, buckets: { type: 'array', items: { type: 'number' } }, decimals: { type: 'integer' }, pushdown: { type: 'boolean' } },
    },
  },
} as const;

export const contributionResponse = {
  type: 'object',
  required: ['input', 'n'],
  properties: { input: { type: 'string' }, n: { type: 'integer' } },
} as const;

export const psiSessionResponse = {
  type: 'object',
  required: ['protocol', 'sessionId', 'mode', 'minSetSize'],
  properties: { protocol: { type: 'string' }, sessionId: { type: 'string' }, mode: { type: 'string' }, minSetSize: { type: 'integer' } },
} as const;

/** Ciphertexts and PSI messages: our binary container, never JSON. */
export const binaryBody = {
  content: { 'application/octet-stream': { schema: { description: 'binary artifact (compute/he/wire.ts container)' } } },
} as const;
