import { errorResponseSchema } from '../../common/index.ts';
import { KEY_ALGS, KEY_USAGES, type EncryptionContext } from '../types.ts';

/** Largest plaintext accepted by encrypt (bytes); the KMS wraps keys and fields, not files. */
export const MAX_PLAINTEXT = 1024 * 1024;

export const errors = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;

/** Query strings arrive as text and the shared server does not coerce types. */
export const decimal = { type: 'string', pattern: '^[0-9]{1,15}$' } as const;

/** A `limit` query value clamped to 1..max, 100 when absent. */
export function pageLimit(raw: string | undefined, max: number): number {
  return raw === undefined ? Math.min(100, max) : Math.max(1, Math.min(Number(raw), max));
}

export const keyIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } },
} as const;

export const base64 = {
  type: 'string',
  maxLength: Math.ceil(MAX_PLAINTEXT / 3) * 4,
  pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$',
} as const;

/** Contexts are small JSON objects of ids; any JSON values are accepted and bound canonically. */
export const context = { type: 'object', maxProperties: 64 } as const;

/** A request's context: a parsed JSON body holds nothing but JSON values. */
export function contextOf(body: { context?: Record<string, unknown> }): EncryptionContext {
  return (body.context ?? {}) as EncryptionContext;
}

export const ciphertext = { type: 'string', minLength: 1, maxLength: 2 * 1024 * 1024 } as const;

export const policy = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allowedOperations: { type: 'array', uniqueItems: true, maxItems: KEY_USAGES.length, items: { type: 'string', enum: KEY_USAGES } },
    contextRequired: {
      type: 'array',
      uniqueItems: true,
      maxItems: 16,
      items: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    },
  },
} as const;

export const keyMetadata = {
  type: 'object',
  required: ['keyId', 'alg', 'purpose', 'state', 'latestVersion', 'versions', 'minDecryptVersion', 'policy', 'created', 'updated'],
  properties: {
    keyId: { type: 'string' },
    alg: { type: 'string', enum: KEY_ALGS },
    purpose: { type: ['string', 'null'] },
    state: { type: 'string', enum: ['active', 'disabled', 'destroyed'] },
    latestVersion: { type: 'integer' },
    versions: { type: 'array', items: { type: 'integer' } },
    minDecryptVersion: { type: 'integer' },
    policy: { anyOf: [{ type: 'null' }, policy] },
    created: { type: 'string' },
    updated: { type: 'string' },
  },
} as const;

export const sealStatus = {
  type: 'object',
  required: ['sealed', 'initialized', 'mode', 'threshold', 'progress', 'shares'],
  properties: {
    sealed: { type: 'boolean' },
    initialized: { type: 'boolean' },
    mode: { type: 'string', enum: ['file', 'passphrase', 'shamir'] },
    threshold: { type: ['integer', 'null'] },
    progress: { type: ['integer', 'null'] },
    shares: { type: ['integer', 'null'] },
  },
} as const;

export const auditEvent = {
  type: 'object',
  required: ['seq', 'time', 'caller', 'operation', 'keyId', 'version', 'contextDigest', 'outcome', 'code', 'prevHash', 'hash'],
  properties: {
    seq: { type: 'integer' },
    time: { type: 'string' },
    caller: { type: 'string' },
    operation: { type: 'string' },
    keyId: { type: ['string', 'null'] },
    version: { type: ['integer', 'null'] },
    contextDigest: { type: ['string', 'null'] },
    outcome: { type: 'string', enum: ['ok', 'error'] },
    code: { type: ['string', 'null'] },
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
} as const;
