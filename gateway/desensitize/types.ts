import type { DataRecord } from '../formats/index.ts';

export const TRANSFORMS = [
  'keep',
  'nullify',
  'shuffle',
  'mask',
  'truncate',
  'replace',
  'generalize',
  'hash',
  'simulate',
  'encrypt',
  'tokenize',
  'aggregate',
  'redact',
] as const;

export type TransformName = (typeof TRANSFORMS)[number];

export const SIMULATE_TYPES = ['cn_resident_id', 'cn_mobile', 'bank_card', 'email', 'name'] as const;
export type SimulateType = (typeof SIMULATE_TYPES)[number];

export type HashAlg = 'hmac-sm3' | 'hmac-sha256';
export type EncryptAlg = 'SM4' | 'AES-256-GCM';
export type TokenizeAlg = 'FF1-SM4' | 'FF1-AES';
export type KeyScope = 'contract' | 'owner';

/** One entry of a contract's `fields` map or a `sluice desensitize` policy (SURFACE → Transforms). */
export type FieldPolicy = { transform: TransformName; scope?: KeyScope } & Record<string, unknown>;

/** A dataset field as contracts see it; only name and type matter here. */
export interface SchemaField {
  name: string;
  type: string;
}

/** Keys for the keyed transforms, all derived from one secret (see `deriveTransformKeys`). */
export interface TransformKeys {
  hash: Uint8Array;
  simulate: Uint8Array;
  tokenize: Uint8Array;
  fingerprint: Uint8Array;
}

/**
 * Encrypts one field value for the `encrypt` transform. The gateway builds one from a KMS data
 * key; `createFieldEncryptor` is the default. `field` lets an implementation bind the ciphertext
 * to the field it belongs to.
 */
export interface FieldEncryptor {
  /** The algorithm it produces, when known; a policy asking for another one is refused. */
  readonly alg?: EncryptAlg;
  encrypt(value: string, field: string): string;
  /** A whole column of a batch at once, when the implementation can do that faster. */
  encryptMany?(values: readonly string[], field: string): string[];
}

/** One encryptor for every `encrypt` field, or one per algorithm the policy asks for. */
export type EncryptorSource = FieldEncryptor | ((alg: EncryptAlg) => FieldEncryptor);

export interface FingerprintOptions {
  /** The recipient's fingerprint key (`TransformKeys.fingerprint` of its contract, or `recipientFingerprintKey`). */
  key: Uint8Array;
  /** Share of rows added as canaries (default 0.002). */
  rate?: number;
}

export interface DesensitizerOptions {
  encryptor?: EncryptorSource;
  fingerprint?: FingerprintOptions;
}

export interface DesensitizeStats {
  /** Source records transformed. */
  records: number;
  /** Per field: values a transform could not interpret and delivered as null instead. */
  nulled: Record<string, number>;
  /** Canary rows added for leak tracing. */
  canaries: number;
}

export interface Desensitizer {
  /** Delivered fields in policy order: listed fields minus `aggregate`. */
  readonly columns: readonly string[];
  /** Whether any field is shuffled, so batch boundaries matter. */
  readonly shuffles: boolean;
  /** Transforms records; `shuffle` permutes within exactly the records passed. */
  transformBatch(records: readonly DataRecord[]): DataRecord[];
  /** The same operation, named for callers that pass a whole transfer so `shuffle` spans all of it. */
  transformAll(records: readonly DataRecord[]): DataRecord[];
  stats(): DesensitizeStats;
}
