import type { FromSchema } from 'json-schema-to-ts';
import { freeObject } from '../http/schemas.ts';
import { ID_PATTERN } from '../ids.ts';

export const createTransferBody = {
  type: 'object',
  required: ['contractId', 'purpose'],
  additionalProperties: false,
  properties: {
    contractId: { type: 'string', pattern: ID_PATTERN },
    purpose: { type: 'string', minLength: 1, maxLength: 200 },
    limit: { type: 'integer', minimum: 1 },
  },
} as const;

export type TransferRequest = FromSchema<typeof createTransferBody>;

export const transferResponse = {
  type: 'object',
  required: ['id', 'status', 'records', 'subjects', 'receipt'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string' },
    records: { type: 'integer' },
    subjects: { type: 'integer' },
    receipt: freeObject,
  },
} as const;

export const acceptedResponse = {
  type: 'object',
  required: ['id', 'status'],
  properties: { id: { type: 'string' }, status: { type: 'string', enum: ['running'] } },
} as const;

export const transferViewResponse = {
  type: 'object',
  required: ['id', 'status', 'progress', 'records'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['running', 'completed', 'failed'] },
    progress: { type: 'number', minimum: 0, maximum: 1 },
    records: { type: 'integer' },
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
} as const;

/** A ledger record (a receipt is one) with its inclusion proof. */
export const anchoredResponse = <const N extends 'receipt' | 'record'>(name: N) =>
  ({
    type: 'object',
    required: [name, 'proof'],
    properties: { [name]: freeObject, proof: freeObject } as Record<N | 'proof', typeof freeObject>,
  }) as const;

export type TransferView = FromSchema<typeof transferViewResponse>;
