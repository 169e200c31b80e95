import { fail } from '../../common/errors.ts';
import { ENTITY_KINDS, isEntityKind, type EntityKind } from '../discovery/index.ts';
import { RESERVED_FIELD_NAMES } from '../formats/index.ts';
import {
  SIMULATE_TYPES,
  TRANSFORMS,
  type EncryptAlg,
  type FieldPolicy,
  type HashAlg,
  type KeyScope,
  type SchemaField,
  type SimulateType,
  type TokenizeAlg,
} from './types.ts';

/** A policy with defaults applied and params checked: what the transforms are built from. */
export type ParsedPolicy = { scope: KeyScope } & (
  | { transform: 'keep' | 'nullify' | 'shuffle' | 'aggregate' }
  | { transform: 'mask'; keepStart: number; keepEnd: number; char: string }
  | { transform: 'truncate'; length: number }
  | { transform: 'replace'; value: Scalar; dictionary: ReadonlyMap<string, Scalar> }
  | { transform: 'generalize'; step: number; to?: undefined }
  | { transform: 'generalize'; to: 'year' | 'month'; step?: undefined }
  | { transform: 'hash'; alg: HashAlg }
  | { transform: 'simulate'; type: SimulateType }
  | { transform: 'encrypt'; alg: EncryptAlg }
  | { transform: 'tokenize'; alg: TokenizeAlg }
  | { transform: 'redact'; mode: 'tag' | 'token'; entities?: readonly EntityKind[] }
);

export type Scalar = string | number | boolean | null;

const PARAMS: Record<FieldPolicy['transform'], readonly string[]> = {
  keep: [],
  nullify: [],
  shuffle: [],
  aggregate: [],
  mask: ['keepStart', 'keepEnd', 'char'],
  truncate: ['length'],
  replace: ['value', 'dictionary'],
  generalize: ['step', 'to'],
  hash: ['alg'],
  simulate: ['type'],
  encrypt: ['alg'],
  tokenize: ['alg'],
  redact: ['entities', 'mode'],
};

type Fit = readonly string[] | 'any';
const TEXTUAL: Fit = ['string', 'number', 'date'];

/** Which dataset field types each transform can meaningfully process. */
function fitOf(policy: ParsedPolicy): Fit {
  switch (policy.transform) {
    case 'mask':
    case 'truncate':
      return TEXTUAL;
    case 'tokenize':
      return ['string', 'number'];
    case 'redact':
      return ['string'];
    case 'generalize':
      return policy.step !== undefined ? ['number'] : ['date'];
    case 'simulate':
      return policy.type === 'name' || policy.type === 'email' ? ['string'] : ['string', 'number'];
    default:
      return 'any';
  }
}

const bad = (field: string, param: string, message: string) => fail.validation(`field policy: ${message}`, { field, param });

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function nonNegativeInt(field: string, param: string, v: unknown, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 1_000_000) {
    throw bad(field, param, `${param} must be an integer of at least ${min}`);
  }
  return v;
}

function oneOf<T extends string>(field: string, param: string, v: unknown, allowed: readonly T[], fallback?: T): T {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw bad(field, param, `${param} must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function parseParams(field: string, p: FieldPolicy, scope: KeyScope): ParsedPolicy {
  switch (p.transform) {
    case 'keep':
    case 'nullify':
    case 'shuffle':
    case 'aggregate':
      return { transform: p.transform, scope };
    case 'mask': {
      const char = p.char ?? '*';
      if (typeof char !== 'string' || [...char].length !== 1) throw bad(field, 'char', 'char must be a single character');
      return { transform: 'mask', scope, keepStart: nonNegativeInt(field, 'keepStart', p.keepStart, 3), keepEnd: nonNegativeInt(field, 'keepEnd', p.keepEnd, 4), char };
    }
    case 'truncate':
      if (p.length === undefined) throw bad(field, 'length', 'truncate needs length');
      return { transform: 'truncate', scope, length: nonNegativeInt(field, 'length', p.length, 0, 1) };
    case 'replace': {
      if (!('value' in p) || !isScalar(p.value)) throw bad(field, 'value', 'replace needs a scalar value');
      const dictionary = new Map<string, Scalar>();
      if (p.dictionary !== undefined) {
        if (p.dictionary === null || typeof p.dictionary !== 'object' || Array.isArray(p.dictionary)) {
          throw bad(field, 'dictionary', 'dictionary must be an object of from → to');
        }
        for (const [from, to] of Object.entries(p.dictionary)) {
          if (!isScalar(to)) throw bad(field, 'dictionary', 'dictionary values must be scalars');
          dictionary.set(from, to);
        }
      }
      return { transform: 'replace', scope, value: p.value, dictionary };
    }
    case 'generalize':
      if ((p.step === undefined) === (p.to === undefined)) throw bad(field, 'step', 'generalize needs exactly one of step (numbers) or to (dates)');
      if (p.step !== undefined) {
        if (typeof p.step !== 'number' || !Number.isFinite(p.step) || p.step <= 0) throw bad(field, 'step', 'step must be a positive number');
        return { transform: 'generalize', scope, step: p.step };
      }
      return { transform: 'generalize', scope, to: oneOf(field, 'to', p.to, ['year', 'month'] as const) };
    case 'hash':
      return { transform: 'hash', scope, alg: oneOf(field, 'alg', p.alg, ['hmac-sm3', 'hmac-sha256'] as const, 'hmac-sm3') };
    case 'simulate':
      return { transform: 'simulate', scope, type: oneOf(field, 'type', p.type, SIMULATE_TYPES) };
    case 'encrypt':
      return { transform: 'encrypt', scope, alg: oneOf(field, 'alg', p.alg, ['SM4', 'AES-256-GCM'] as const, 'SM4') };
    case 'tokenize':
      return { transform: 'tokenize', scope, alg: oneOf(field, 'alg', p.alg, ['FF1-SM4', 'FF1-AES'] as const, 'FF1-SM4') };
    case 'redact': {
      const mode = oneOf(field, 'mode', p.mode, ['tag', 'token'] as const, 'tag');
      if (p.entities === undefined) return { transform: 'redact', scope, mode };
      return { transform: 'redact', scope, mode, entities: entityList(field, p.entities) };
    }
  }
}

function entityList(field: string, v: unknown): EntityKind[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every(isEntityKind) || new Set(v).size !== v.length) {
    throw bad(field, 'entities', `entities must be a non-empty list of distinct kinds among ${ENTITY_KINDS.join(', ')}`);
  }
  return v;
}

/** Checks one field's policy and returns it with defaults applied. */
export function parseFieldPolicy(field: string, policy: unknown): ParsedPolicy {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) throw bad(field, 'transform', 'policy must be an object');
  const p = policy as FieldPolicy;
  if (!(TRANSFORMS as readonly unknown[]).includes(p.transform)) throw bad(field, 'transform', `transform must be one of ${TRANSFORMS.join(', ')}`);
  for (const key of Object.keys(p)) {
    if (key !== 'transform' && key !== 'scope' && !PARAMS[p.transform].includes(key)) throw bad(field, key, `${p.transform} takes no parameter ${key}`);
  }
  const scope = oneOf(field, 'scope', p.scope, ['contract', 'owner'] as const, 'contract');
  return parseParams(field, p, scope);
}

/**
 * Checks a whole `fields` map before a contract is created or a policy run: known transforms,
 * valid params, fields present in the schema, and transforms that fit the field's type.
 * Throws VALIDATION_FAILED whose details name the field and param, never a value.
 */
export function validateFieldPolicies(fields: Record<string, unknown>, schema?: readonly SchemaField[]): void {
  parseFieldPolicies(fields, schema);
}

export function parseFieldPolicies(fields: Record<string, unknown>, schema?: readonly SchemaField[]): Map<string, ParsedPolicy> {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw fail.validation('fields must be an object of field → policy');
  const types = schema ? new Map(schema.map((f) => [f.name, f.type])) : undefined;
  const parsed = new Map<string, ParsedPolicy>();
  for (const [field, policy] of Object.entries(fields)) {
    if (RESERVED_FIELD_NAMES.has(field)) throw fail.validation('field policy: reserved field name', { field: '(reserved)' });
    const p = parseFieldPolicy(field, policy);
    if (types) {
      const type = types.get(field);
      if (type === undefined) throw fail.validation('field policy: field not in the dataset schema', { field });
      const fit = fitOf(p);
      if (fit !== 'any' && !fit.includes(type)) {
        throw fail.validation(`field policy: ${p.transform} does not fit a ${type} field`, { field, param: 'transform', type });
      }
    }
    parsed.set(field, p);
  }
  return parsed;
}

/** The `encrypt` algorithms a policy asks for, so a caller can fetch one data key per algorithm. */
export function encryptAlgorithms(fields: Record<string, unknown>): EncryptAlg[] {
  const algs = new Set<EncryptAlg>();
  for (const policy of parseFieldPolicies(fields).values()) if (policy.transform === 'encrypt') algs.add(policy.alg);
  return [...algs];
}
