import type { JSONSchema } from 'json-schema-to-ts';
import { errorResponseSchema } from '../../common/index.ts';
import { ID_PATTERN } from '../ids.ts';
import { ISO_3166_ALPHA2 } from './countries.ts';

/**
 * Response map for a route: its success schema plus the SURFACE error body for 4xx/5xx. The
 * schemas keep their literal types, so the type provider derives what a handler may reply.
 */
export function responses<const S extends Record<number, JSONSchema>>(successes: S): S & { '4xx': typeof errorResponseSchema; '5xx': typeof errorResponseSchema } {
  return { ...successes, '4xx': errorResponseSchema, '5xx': errorResponseSchema };
}

export const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: ID_PATTERN } },
} as const;

export const isoDate = { type: 'string', format: 'date-time' } as const;

/** `2026-05-01` or a full ISO 8601 timestamp. */
export const dateOrDateTime = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
} as const;

/** An ISO 3166-1 alpha-2 country code that is assigned to a country (not just two capitals). */
export const countryCode = { type: 'string', enum: ISO_3166_ALPHA2 } as const;

export const freeObject = { type: 'object', additionalProperties: true } as const;
