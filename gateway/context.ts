import type { Kysely } from 'kysely';
import type { Config, Dialect, Logger } from '../common/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { FilingsStore, SubjectCounter } from './compliance/index.ts';
import type { GatewaySchema } from './db/schema.ts';

/** The slice of the KMS the gateway uses; `KmsClient` from kms/ satisfies it. */
export interface KeyService {
  createKey(alg: 'SM4' | 'AES-256-GCM', options?: { purpose?: string }): Promise<{ keyId: string }>;
  dataKey(keyId: string, context: Record<string, string>, options?: { bytes?: number }): Promise<{ plaintext: Uint8Array; ciphertext: string }>;
  decrypt(keyId: string, ciphertext: string, context: Record<string, string>): Promise<Uint8Array>;
  destroy(keyId: string): Promise<unknown>;
}

/** Everything a gateway feature needs, built once in main.ts and passed down. */
export interface GatewayContext {
  config: Config;
  db: Kysely<GatewaySchema>;
  dialect: Dialect;
  kms: KeyService;
  ledger: Ledger;
  compliance: { counter: SubjectCounter; filings: FilingsStore };
  logger: Logger;
  now: () => Date;
}
