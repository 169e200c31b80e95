import type { FromSchema } from 'json-schema-to-ts';
import { FTZS as FTZ } from '../compliance/index.ts';
import { countryCode } from '../http/schemas.ts';

export const createPartyBody = {
  type: 'object',
  required: ['name', 'kind', 'jurisdiction'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    kind: { type: 'string', enum: ['domestic', 'overseas', 'regulator'] },
    jurisdiction: countryCode,
    publicKey: { type: 'string', minLength: 66, maxLength: 1024 },
    ciio: { type: 'boolean' },
    ftz: { type: 'string', enum: [...FTZ] },
    industry: { type: 'string', minLength: 1, maxLength: 100 },
    contact: { type: 'string', minLength: 1, maxLength: 300 },
    endpoint: { type: 'string', minLength: 8, maxLength: 500, description: 'overseas model providers: OpenAI-compatible base URL (https; http only to loopback)' },
  },
} as const;

export const createPartyResponse = {
  type: 'object',
  required: ['id', 'token'],
  properties: { id: { type: 'string' }, token: { type: 'string' } },
} as const;

export const partyResponse = {
  type: 'object',
  required: ['id', 'name', 'kind', 'jurisdiction', 'ciio', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    jurisdiction: { type: 'string' },
    publicKey: { type: ['string', 'null'] },
    ciio: { type: 'boolean' },
    ftz: { type: ['string', 'null'] },
    industry: { type: ['string', 'null'] },
    contact: { type: ['string', 'null'] },
    endpoint: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
  },
} as const;

export type CreatePartyInput = FromSchema<typeof createPartyBody>;
