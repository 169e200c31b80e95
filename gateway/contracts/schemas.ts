import type { FromSchema } from 'json-schema-to-ts';
import { LEGAL_BASES, MODALITIES, SCENARIO_KINDS as SCENARIOS } from '../compliance/index.ts';
import { TRANSFORMS, type TransformName } from '../desensitize/index.ts';
import { countryCode, dateOrDateTime, freeObject } from '../http/schemas.ts';
import { disclosureTermsSchema, type DisclosureTerms } from '../compute/disclosure/terms.ts';

export type FieldPolicyInput = { transform: TransformName } & Record<string, unknown>;

export const CONTRACT_KINDS = ['data', 'ai_egress'] as const;

/** What the owner signs: every term, canonicalized by RFC 8785. Immutable once approved. */
export interface ContractTerms {
  contractId: string;
  datasetId: string;
  ownerId: string;
  recipientId: string;
  purposes: string[];
  legalBasis: ContractInput['legalBasis'];
  scenario: NonNullable<ContractInput['scenario']>;
  modality?: ContractInput['modality'];
  fields: Record<string, FieldPolicyInput>;
  validFrom: string;
  validUntil: string;
  retentionDays: number;
  onwardTransfer: boolean;
  destination: { country: string; location: string };
  maxRecordsPerTransfer?: number;
  minK?: number;
  fingerprint?: boolean;
  disclosure?: DisclosureTerms;
  createdAt: string;
}

/**
 * What the owner signs for AI egress: the usual purpose, basis, validity, retention, onward
 * and destination terms, the provider as recipient, and the prompt treatment — always `redact`
 * in token mode, stated in the terms so the signature covers it.
 */
export interface EgressTerms {
  contractId: string;
  kind: 'ai_egress';
  ownerId: string;
  recipientId: string;
  purposes: string[];
  legalBasis: ContractInput['legalBasis'];
  scenario: NonNullable<ContractInput['scenario']>;
  prompts: { transform: 'redact'; mode: 'token' };
  validFrom: string;
  validUntil: string;
  retentionDays: number;
  onwardTransfer: boolean;
  destination: { country: string; location: string };
  createdAt: string;
}

export const createContractBody = {
  type: 'object',
  required: ['recipientId', 'purposes', 'legalBasis', 'validUntil', 'retentionDays', 'onwardTransfer', 'destination'],
  additionalProperties: false,
  properties: {
    // `ai_egress`: prompts to an overseas model provider instead of a dataset's records (no datasetId, no fields).
    kind: { type: 'string', enum: [...CONTRACT_KINDS] },
    // Required for data contracts (as are `fields`).
    datasetId: { type: 'string', maxLength: 64 },
    recipientId: { type: 'string', maxLength: 64 },
    purposes: { type: 'array', minItems: 1, maxItems: 32, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 } },
    legalBasis: { type: 'string', enum: [...LEGAL_BASES] },
    scenario: { type: 'string', enum: [...SCENARIOS] },
    // AI training data modality (Beijing FTZ list, R-FTZ-BJ-AI).
    modality: { type: 'string', enum: [...MODALITIES] },
    fields: {
      type: 'object',
      minProperties: 1,
      maxProperties: 256,
      additionalProperties: {
        type: 'object',
        required: ['transform'],
        properties: { transform: { type: 'string', enum: [...TRANSFORMS] } },
        additionalProperties: true,
      },
    },
    validFrom: dateOrDateTime,
    validUntil: dateOrDateTime,
    retentionDays: { type: 'integer', minimum: 1, maximum: 36500 },
    onwardTransfer: { type: 'boolean' },
    destination: {
      type: 'object',
      required: ['country', 'location'],
      additionalProperties: false,
      properties: { country: countryCode, location: { type: 'string', minLength: 1, maxLength: 300 } },
    },
    maxRecordsPerTransfer: { type: 'integer', minimum: 1 },
    minK: { type: 'integer', minimum: 2, maximum: 1000 },
    // Plant recipient-keyed canary rows in every package, for leak tracing.
    fingerprint: { type: 'boolean' },
    // What compute releases on this data must respect: a floor, weight signs, differential privacy.
    disclosure: disclosureTermsSchema,
  },
} as const;

export type ContractInput = FromSchema<typeof createContractBody>;

/** What every contract response carries: the terms exactly as signed, and their SM3 digest. */
const contractCore = {
  id: { type: 'string' },
  status: { type: 'string' },
  terms: freeObject,
  digest: { type: 'string' },
} as const;

export const contractCreatedResponse = {
  type: 'object',
  required: ['id', 'status', 'terms', 'digest'],
  properties: { ...contractCore, warnings: { type: 'array', items: { type: 'string' } } },
} as const;

export const approveBody = {
  type: 'object',
  required: ['signature'],
  additionalProperties: false,
  properties: { signature: { type: 'string', pattern: '^[0-9a-fA-F]{16,400}$' } },
} as const;

export const ledgerRef = {
  type: 'object',
  required: ['recordId', 'anchored'],
  properties: {
    recordId: { type: 'string' },
    anchored: { type: 'boolean' },
    proof: freeObject,
  },
} as const;

export const approveResponse = {
  type: 'object',
  required: ['status', 'ledger'],
  properties: { status: { type: 'string' }, ledger: ledgerRef },
} as const;

export const revokeBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { shred: { type: 'boolean', description: 'destroy the contract key: tokens and encrypted fields become irreversible' } },
} as const;

export const revokeResponse = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' }, shredded: { type: 'boolean' } },
} as const;

export const contractResponse = {
  type: 'object',
  required: ['id', 'status', 'terms', 'digest'],
  properties: {
    ...contractCore,
    signature: { type: ['string', 'null'] },
    approvedAt: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
  },
} as const;

/** Transforms whose output the owner can restore (`POST /v1/contracts/:id/reveal`). */
export const REVERSIBLE_TRANSFORMS = ['redact', 'tokenize', 'encrypt'] as const;

export const revealBody = {
  type: 'object',
  required: ['values'],
  additionalProperties: false,
  properties: {
    // What the contract released the values under (default `redact`: tokens inside text).
    transform: { type: 'string', enum: [...REVERSIBLE_TRANSFORMS] },
    // The contract field they came from; none for an ai_egress contract's prompts.
    field: { type: 'string', minLength: 1, maxLength: 64 },
    values: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', maxLength: 200_000 } },
  },
} as const;

export type RevealInput = FromSchema<typeof revealBody>;

export const revealResponse = {
  type: 'object',
  required: ['values', 'restored', 'unrestored', 'ledger'],
  properties: {
    values: { type: 'array', items: { type: ['string', 'null'] } },
    restored: { type: 'integer' },
    unrestored: { type: 'integer' },
    entities: { type: 'object', additionalProperties: { type: 'integer' } },
    ledger: ledgerRef,
  },
} as const;
