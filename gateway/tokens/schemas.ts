import type { FromSchema } from 'json-schema-to-ts';
import { isoDate } from '../http/schemas.ts';
import { ID_PATTERN } from '../ids.ts';

export const tokenResponse = {
  type: 'object',
  required: ['id', 'role', 'partyId', 'status', 'bootstrap', 'createdAt', 'expiresAt', 'revokedAt'],
  properties: {
    id: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'party'] },
    partyId: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
    bootstrap: { type: 'boolean' },
    createdAt: { type: 'string' },
    expiresAt: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'] },
  },
} as const;

export const issuedToken = {
  ...tokenResponse,
  required: [...tokenResponse.required, 'token'],
  properties: { ...tokenResponse.properties, token: { type: 'string', description: 'the bearer token; shown once, only its SHA-256 is stored' }, replaces: { type: 'string' } },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { partyId: { type: 'string', pattern: ID_PATTERN }, all: { type: 'string', enum: ['true', 'false'] } },
} as const;

export const createBody = {
  type: 'object',
  additionalProperties: false,
  properties: { partyId: { type: 'string', pattern: ID_PATTERN }, expiresAt: isoDate },
} as const;

export const rotateBody = {
  type: 'object',
  additionalProperties: false,
  properties: { expiresAt: isoDate, graceSeconds: { type: 'integer', minimum: 0, maximum: 86_400 } },
} as const;

/** A token as listings show it: everything but its value, which is never stored. */
export type TokenView = FromSchema<typeof tokenResponse>;
export type CreateTokenInput = FromSchema<typeof createBody>;
export type RotateTokenInput = FromSchema<typeof rotateBody>;
