export { KmsClient, type KmsClientOptions } from './client.ts';
export { HeKeysetClient, type KeysetPublic, type KeysetRequest } from './he/client.ts';
export { keygen, type HeKeyset, type KeygenOptions } from './he/secret/keygen.ts';
export { decryptResult, decryptTotals, type DecryptOptions } from './he/secret/decrypt.ts';
export { startKmsServer, type KmsServer, type KmsServerOptions } from './server.ts';
export { loadKmsConfig, type KmsConfig } from './config.ts';
export { deriveWorkerToken } from './identity.ts';
export { kmsSealer } from './sealer.ts';
export { verifyAuditChain, GENESIS_HASH } from './audit.ts';
export { CIPHERTEXT_FORMAT } from './ciphertext.ts';
export type { Access, AccessConfig } from './access.ts';
export type { KmsPlugin, KmsPluginContext } from './plugin.ts';
export type {
  AuditEvent,
  AuditOperation,
  AuditPage,
  Caller,
  ContextValue,
  CreatedKey,
  DataKey,
  EncryptionContext,
  KeyAlg,
  KeyMetadata,
  KeyPolicy,
  KeyState,
  KeyUsage,
  SealMode,
  SealStatus,
} from './types.ts';
