import { fail } from '../../common/index.ts';
import type { ParsedPolicy } from './policy.ts';
import { createHash } from './transforms/hash.ts';
import { createDateGeneralizer, createNumberGeneralizer } from './transforms/generalize.ts';
import { createMask } from './transforms/mask.ts';
import { createReplace } from './transforms/replace.ts';
import { createSimulate } from './transforms/simulate.ts';
import { createTokenize } from './transforms/tokenize.ts';
import { createTruncate } from './transforms/truncate.ts';
import { onText, type ValueTransform } from './transforms/values.ts';
import type { EncryptAlg, EncryptorSource, FieldEncryptor, TransformKeys } from './types.ts';

const identity: ValueTransform = (value) => value;
const toNull: ValueTransform = () => null;

/**
 * The per-value function for one field. `shuffle` maps values unchanged (the desensitizer
 * permutes the column afterwards); `aggregate` fields never get this far.
 */
export function compileTransform(field: string, policy: ParsedPolicy, keys: TransformKeys, encryptors: EncryptorSource | undefined): ValueTransform {
  switch (policy.transform) {
    case 'keep':
    case 'shuffle':
      return identity;
    case 'nullify':
    case 'aggregate':
      return toNull;
    case 'mask':
      return createMask(policy.keepStart, policy.keepEnd, policy.char);
    case 'truncate':
      return createTruncate(policy.length);
    case 'replace':
      return createReplace(policy.value, policy.dictionary);
    case 'generalize':
      return policy.step !== undefined ? createNumberGeneralizer(policy.step) : createDateGeneralizer(policy.to);
    case 'hash':
      return createHash(policy.alg, keys.hash);
    case 'simulate':
      return createSimulate(policy.type, keys.simulate);
    case 'tokenize':
      return createTokenize(policy.alg, keys.tokenize);
    case 'encrypt': {
      const encryptor = resolveEncryptor(field, policy.alg, encryptors);
      return onText((text) => encryptor.encrypt(text, field));
    }
  }
}

function resolveEncryptor(field: string, alg: EncryptAlg, source: EncryptorSource | undefined): FieldEncryptor {
  if (source === undefined) throw fail.validation('encrypt needs a field encryptor (a KMS data key)', { field, param: 'transform' });
  const encryptor = typeof source === 'function' ? source(alg) : source;
  if (encryptor.alg !== undefined && encryptor.alg !== alg) {
    throw fail.validation('the field encryptor does not use the algorithm the policy names', { field, param: 'alg' });
  }
  return encryptor;
}
