import type { Kysely } from 'kysely';
import type { Config, Dialect, Logger, ProcessLocks } from '../common/index.ts';
import type { ComputeJobPayload, ComputeJobResult, ComputeStore, EncryptionPool, JobQueue, X25519Pool } from '../compute/index.ts';
import type { HeKeysetClient } from '../kms/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { OutboxRelay } from './anchoring/outbox.ts';
import type { FilingsStore, SubjectCounter } from './compliance/index.ts';
import type { ColumnThreads } from './datasets/column-threads.ts';
import type { GatewaySchema } from './db/schema.ts';

/** The slice of the KMS the gateway uses; `KmsClient` from kms/ satisfies it. */
export interface KeyService {
  createKey(alg: 'SM4' | 'AES-256-GCM', options?: { purpose?: string }): Promise<{ keyId: string }>;
  dataKey(keyId: string, context: Record<string, string>, options?: { bytes?: number }): Promise<{ plaintext: Uint8Array; ciphertext: string }>;
  decrypt(keyId: string, ciphertext: string, context: Record<string, string>): Promise<Uint8Array>;
  destroy(keyId: string): Promise<unknown>;
}

/** What compute jobs run on; built once per gateway process (threads start once, not per job). */
export interface ComputeServices {
  /** Shared with the worker processes: the embedded queue in the data dir, or BullMQ on Redis. */
  queue: JobQueue<ComputeJobPayload, ComputeJobResult>;
  /** Encrypted job inputs and results: files in the data dir, or rows of the PostgreSQL database gateways and workers share. */
  store: ComputeStore;
  /** Encrypts owners' columns under job keys, one thread per core. */
  encryption: EncryptionPool;
  /** Opens stored datasets' by-column copies for the columns jobs read, one thread per core. */
  columns: ColumnThreads;
  /** The owner side of PSI exchanges. */
  psi: X25519Pool;
  /** The KMS's homomorphic key sets, over the service token. */
  keysets: HeKeysetClient;
}

/** Everything a gateway feature needs, built once in main.ts and passed down. */
export interface GatewayContext {
  config: Config;
  db: Kysely<GatewaySchema>;
  dialect: Dialect;
  kms: KeyService;
  ledger: Ledger;
  /** Anchors what a feature wrote to the outbox; every ledger write goes through it. */
  relay: OutboxRelay;
  compliance: { counter: SubjectCounter; filings: FilingsStore };
  compute: ComputeServices;
  /** Uploads and compute jobs this process works on, held against every other gateway on the database. */
  locks: ProcessLocks;
  logger: Logger;
  now: () => Date;
}
