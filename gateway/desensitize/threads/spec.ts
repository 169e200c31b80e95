import { createDesensitizer } from '../desensitizer.ts';
import { encryptorsFor, type FieldDataKey } from '../transforms/field-encryption.ts';
import type { Desensitizer, FingerprintOptions, TransformKeys } from '../types.ts';

/** What a worker thread needs to build the same desensitizer as the calling thread: plain data, no functions. */
export interface DesensitizerSpec {
  fields: Record<string, unknown>;
  keys: TransformKeys;
  /** Keys for fields with `scope: "owner"` (a contract's owner-wide keys); `keys` when absent. */
  ownerKeys?: TransformKeys;
  /** Data keys for `encrypt` fields; every thread builds its own encryptors from them. */
  dataKeys?: readonly FieldDataKey[];
  fingerprint?: FingerprintOptions;
}

export function desensitizerOf(spec: DesensitizerSpec): Desensitizer {
  const encryptor = encryptorsFor(spec.dataKeys ?? []);
  const { keys, ownerKeys } = spec;
  return createDesensitizer(spec.fields, ownerKeys ? (scope) => (scope === 'owner' ? ownerKeys : keys) : keys, {
    ...(encryptor ? { encryptor } : {}),
    ...(spec.fingerprint ? { fingerprint: spec.fingerprint } : {}),
  });
}
