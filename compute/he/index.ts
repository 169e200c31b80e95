export { BFV, CKKS, HE_SCHEMES, PARAMETER_SETS, warmHeContexts, type HeScheme, type ParameterSet } from './params.ts';
export { HE_RESULT_SCHEMA, NOISE_SCHEMA, OPERATIONS, type ColumnSpec, type OperationKind } from './operations.ts';
export { encryptColumn } from './encrypt.ts';
export { evaluate, type EvaluateKeys, type EvaluateRequest } from './evaluate.ts';
export { decodeColumn, decodePublicKey, decodeResult } from './artifacts.ts';
export { keygen, type HeKeyset, type KeygenOptions } from './secret/keygen.ts';
export { decryptResult, decryptTotals, type DecryptOptions, type HeResult } from './secret/decrypt.ts';
export { EncryptionPool, encryptColumns } from './parallel.ts';
export { verifyContribution } from './verify.ts';
