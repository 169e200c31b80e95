import type { FromSchema } from 'json-schema-to-ts';

export const FIELD_TYPES = ['string', 'number', 'date', 'boolean'] as const;
export const CATEGORIES = ['general', 'personal', 'sensitive', 'important', 'core'] as const;

export type FieldType = (typeof FIELD_TYPES)[number];
export type Category = (typeof CATEGORIES)[number];

export interface DatasetField {
  name: string;
  type: FieldType;
  category: Category;
  /** Whether the owner declared the category or discovery chose it. */
  categorySource: 'declared' | 'discovered';
  subject: boolean;
}

/** Letters (CJK included), digits, space, underscore, dot and dash. */
export const FIELD_NAME_PATTERN = '^[\\p{L}\\p{N}_. -]{1,64}$';

const fieldSchema = {
  type: 'object',
  required: ['name', 'type'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    type: { type: 'string', enum: [...FIELD_TYPES] },
    category: { type: 'string', enum: [...CATEGORIES] },
    subject: { type: 'boolean' },
  },
} as const;

export type FieldInput = FromSchema<typeof fieldSchema>;

export const createDatasetBody = {
  type: 'object',
  required: ['name', 'fields'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    fields: { type: 'array', minItems: 1, maxItems: 256, items: fieldSchema },
  },
} as const;

const fieldResponse = {
  type: 'object',
  required: ['name', 'type', 'category', 'categorySource', 'subject'],
  properties: {
    name: { type: 'string' },
    type: { type: 'string' },
    category: { type: 'string' },
    categorySource: { type: 'string' },
    subject: { type: 'boolean' },
  },
} as const;

export const createDatasetResponse = {
  type: 'object',
  required: ['id', 'fields'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, fields: { type: 'array', items: fieldResponse } },
} as const;

export const datasetResponse = {
  type: 'object',
  required: ['id', 'name', 'ownerId', 'fields', 'records', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    ownerId: { type: 'string' },
    fields: { type: 'array', items: fieldResponse },
    records: { type: 'integer' },
    createdAt: { type: 'string' },
  },
} as const;

export const insertedResponse = {
  type: 'object',
  required: ['inserted'],
  properties: { inserted: { type: 'integer' } },
} as const;
