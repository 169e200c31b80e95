import type { ErrorCode } from '../common/index.ts';

/** Key algorithms as named by the API; `SM4` keys encrypt with SM4-GCM. */
export type KeyAlg = 'SM4' | 'AES-256-GCM';

export const KEY_ALGS: readonly KeyAlg[] = ['SM4', 'AES-256-GCM'];

export type KeyState = 'active' | 'disabled' | 'destroyed';

/** Operations that a key's policy may allow or withhold. */
export type KeyUsage = 'datakey' | 'encrypt' | 'decrypt' | 'rewrap';

export const KEY_USAGES: readonly KeyUsage[] = ['datakey', 'encrypt', 'decrypt', 'rewrap'];

export interface KeyPolicy {
  /** When present, only these uses are allowed; lifecycle operations are never restricted. */
  allowedOperations?: KeyUsage[];
  /** Context entries every use must carry (e.g. `["datasetId"]`). */
  contextRequired?: string[];
}

/** JSON values allowed in an encryption context; contexts should carry ids, not personal data. */
export type ContextValue = string | number | boolean | null | ContextValue[] | { [key: string]: ContextValue };
export type EncryptionContext = Record<string, ContextValue>;

export interface KeyMetadata {
  keyId: string;
  alg: KeyAlg;
  purpose: string | null;
  state: KeyState;
  /** Newest version; all of 1..latestVersion existed (destroyed keys keep the count, not the material). */
  latestVersion: number;
  versions: number[];
  minDecryptVersion: number;
  policy: KeyPolicy | null;
  created: string;
  updated: string;
}

export interface CreatedKey {
  keyId: string;
  version: number;
}

export interface DataKey {
  plaintext: Uint8Array;
  ciphertext: string;
  version: number;
}

/** Who called: the full service identity, or the compute worker that may only read public HE keys. */
export type Caller = 'service' | 'worker';

/** Every audited operation. Reads of metadata and of the audit log itself are not audited. */
export type AuditOperation =
  | 'create'
  | 'datakey'
  | 'encrypt'
  | 'decrypt'
  | 'rewrap'
  | 'rotate'
  | 'destroy'
  | 'disable'
  | 'enable'
  | 'configure'
  /** `sys.init`, `sys.unseal`, `sys.seal`, and plugin operations such as `he.keyset.create`. */
  | `${string}.${string}`;

export interface AuditEvent {
  seq: number;
  time: string;
  caller: Caller;
  operation: AuditOperation;
  keyId: string | null;
  version: number | null;
  /** Hex SM3 of the RFC 8785 form of the encryption context; never the context itself. */
  contextDigest: string | null;
  outcome: 'ok' | 'error';
  code: ErrorCode | null;
  /** Hash chain: `hash` = hex SM3 of the RFC 8785 form of the event without `hash` (so covering `prevHash`). */
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `after` to continue; equals the request's `after` when nothing new exists. */
  next: number;
}

export type SealMode = 'file' | 'passphrase' | 'shamir';

export interface SealStatus {
  sealed: boolean;
  initialized: boolean;
  mode: SealMode;
  /** Shamir mode only: shares needed, shares received so far, shares issued. */
  threshold: number | null;
  progress: number | null;
  shares: number | null;
}
