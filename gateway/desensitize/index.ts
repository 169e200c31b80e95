/** Desensitization engine: contract and CLI transforms, key derivation, leak tracing, k-anonymity. */
export { createDesensitizer } from './desensitizer.ts';
export { desensitizeStream, DEFAULT_SHUFFLE_WINDOW, type StreamOptions } from './stream.ts';
export { createThreadedDesensitizer, type ThreadedDesensitizer, type ThreadedOptions } from './threads/threaded.ts';
export type { DesensitizerSpec } from './threads/spec.ts';
export { encryptAlgorithms, validateFieldPolicies, parseFieldPolicy, type ParsedPolicy, type Scalar } from './policy.ts';
export { deriveTransformKeys, recipientFingerprintKey, secretFromKeyFile } from './keys.ts';
export {
  createFieldEncryptor,
  decryptField,
  encryptorsFor,
  parseFieldCiphertext,
  type FieldCiphertextInfo,
  type FieldDataKey,
} from './transforms/field-encryption.ts';
export { createTokenizer, MAX_TOKENIZE_CHARS, type Tokenizer } from './transforms/tokenize.ts';
export { createRedactor, type Redaction, type RedactOptions, type Redactor } from './transforms/redact.ts';
export { createRedactionTokens, MAX_TOKEN_CHARS, type RedactionTokens } from './transforms/redaction-tokens.ts';
export { traceLeak, type CandidateScore, type TraceCandidate, type TraceOptions, type TraceResult } from './trace.ts';
export {
  enforceMinK,
  kAnonymity,
  quasiIdentifiersOf,
  type EquivalenceClass,
  type KAnonymityResult,
  type ReidentificationCheck,
} from './k-anonymity.ts';
export {
  SIMULATE_TYPES,
  TRANSFORMS,
  type DesensitizeStats,
  type Desensitizer,
  type DesensitizerOptions,
  type EncryptAlg,
  type EncryptorSource,
  type FieldEncryptor,
  type FieldPolicy,
  type FingerprintOptions,
  type HashAlg,
  type KeyScope,
  type SchemaField,
  type SimulateType,
  type TokenizeAlg,
  type TransformKeys,
  type TransformName,
} from './types.ts';
export { kmsFieldKeys, unwrapFieldKeys, type FieldKeySidecar, type KmsFieldKeys, type WrappedFieldKey } from './kms-field-keys.ts';
