import { fail } from '../../common/errors.ts';
import type { ParsedPolicy } from './policy.ts';
import { createHash } from './transforms/hash.ts';
import { createDateGeneralizer, createNumberGeneralizer } from './transforms/generalize.ts';
import { createMask } from './transforms/mask.ts';
import { createRedact } from './transforms/redact.ts';
import { createReplace } from './transforms/replace.ts';
import { createSimulate } from './transforms/simulate.ts';
import { createTokenize } from './transforms/tokenize.ts';
import { createTruncate } from './transforms/truncate.ts';
import { identity, onText, textOf, UNUSABLE, type ValueTransform } from './transforms/values.ts';
import type { EncryptAlg, EncryptorSource, FieldEncryptor, TransformKeys } from './types.ts';

const toNull: ValueTransform = () => null;

/**
 * How one field is transformed: value by value, and, where a whole column at once is faster
 * (field encryption: one block-cipher call per batch), column by column too. Both give the
 * same kind of result for each value.
 */
export interface FieldTransform {
  apply: ValueTransform;
  applyMany?: (values: readonly unknown[]) => unknown[];
}

/**
 * The transform of one field. `shuffle` maps values unchanged (the desensitizer permutes the
 * column afterwards); `aggregate` fields never get this far.
 */
export function compileTransform(field: string, policy: ParsedPolicy, keys: TransformKeys, encryptors: EncryptorSource | undefined): FieldTransform {
  if (policy.transform === 'encrypt') return encryptTransform(field, resolveEncryptor(field, policy.alg, encryptors));
  return { apply: valueTransform(policy, keys) };
}

function valueTransform(policy: Exclude<ParsedPolicy, { transform: 'encrypt' }>, keys: TransformKeys): ValueTransform {
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
    case 'redact':
      return createRedact({
        ...(policy.entities ? { entities: policy.entities } : {}),
        ...(policy.mode === 'token' ? { mode: 'token', tokenizeKey: keys.tokenize } : { mode: 'tag' }),
      });
  }
}

/** Empty and unusable values are settled first; only real text reaches the cipher. */
function encryptTransform(field: string, encryptor: FieldEncryptor): FieldTransform {
  const apply = onText((text) => encryptor.encrypt(text, field));
  const encryptMany = encryptor.encryptMany?.bind(encryptor);
  if (encryptMany === undefined) return { apply };
  return {
    apply,
    applyMany(values) {
      const out = new Array<unknown>(values.length);
      const texts: string[] = [];
      const at: number[] = [];
      values.forEach((value, i) => {
        const text = value === null ? undefined : textOf(value);
        if (value === null) out[i] = null;
        else if (text === undefined) out[i] = UNUSABLE;
        else if (text.length === 0) out[i] = '';
        else {
          texts.push(text);
          at.push(i);
        }
      });
      encryptMany(texts, field).forEach((ciphertext, k) => (out[at[k]!] = ciphertext));
      return out;
    },
  };
}

function resolveEncryptor(field: string, alg: EncryptAlg, source: EncryptorSource | undefined): FieldEncryptor {
  if (source === undefined) throw fail.validation('encrypt needs a field encryptor (a KMS data key)', { field, param: 'transform' });
  const encryptor = typeof source === 'function' ? source(alg) : source;
  if (encryptor.alg !== undefined && encryptor.alg !== alg) {
    throw fail.validation('the field encryptor does not use the algorithm the policy names', { field, param: 'alg' });
  }
  return encryptor;
}
