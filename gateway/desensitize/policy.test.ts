import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/errors.ts';
import { parseFieldPolicy, validateFieldPolicies } from './policy.ts';
import { TRANSFORMS } from './types.ts';

const schema = [
  { name: 'name', type: 'string' },
  { name: 'age', type: 'number' },
  { name: 'dob', type: 'date' },
  { name: 'vip', type: 'boolean' },
];

describe('validateFieldPolicies', () => {
  it('accepts every SURFACE transform with its params and applies defaults', () => {
    const all = {
      a: { transform: 'keep' },
      b: { transform: 'nullify' },
      c: { transform: 'shuffle' },
      d: { transform: 'mask', keepStart: 1, keepEnd: 0, char: '＊' },
      e: { transform: 'truncate', length: 2 },
      f: { transform: 'replace', value: 'X', dictionary: { 北京: 'north' } },
      g: { transform: 'generalize', step: 10 },
      h: { transform: 'generalize', to: 'year' },
      i: { transform: 'hash', alg: 'hmac-sha256', scope: 'owner' },
      j: { transform: 'simulate', type: 'cn_mobile' },
      k: { transform: 'encrypt', alg: 'AES-256-GCM' },
      l: { transform: 'tokenize', alg: 'FF1-AES' },
      m: { transform: 'aggregate' },
      n: { transform: 'redact', entities: ['name', 'cn_mobile'], mode: 'token' },
    };
    expect(() => validateFieldPolicies(all)).not.toThrow();
    expect(Object.values(all).map((p) => p.transform).sort()).toEqual([...new Set(TRANSFORMS)].concat('generalize').sort());
    expect(parseFieldPolicy('x', { transform: 'mask' })).toEqual({ transform: 'mask', scope: 'contract', keepStart: 3, keepEnd: 4, char: '*' });
    expect(parseFieldPolicy('x', { transform: 'hash' })).toMatchObject({ alg: 'hmac-sm3' });
    expect(parseFieldPolicy('x', { transform: 'encrypt' })).toMatchObject({ alg: 'SM4' });
    expect(parseFieldPolicy('x', { transform: 'tokenize' })).toMatchObject({ alg: 'FF1-SM4' });
    expect(parseFieldPolicy('x', { transform: 'redact' })).toEqual({ transform: 'redact', scope: 'contract', mode: 'tag' });
  });

  it.each([
    [{ transform: 'scramble' }, 'transform'],
    [{}, 'transform'],
    [{ transform: 'mask', keepstart: 2 }, 'keepstart'],
    [{ transform: 'mask', keepStart: -1 }, 'keepStart'],
    [{ transform: 'mask', keepEnd: 1.5 }, 'keepEnd'],
    [{ transform: 'mask', char: '**' }, 'char'],
    [{ transform: 'truncate' }, 'length'],
    [{ transform: 'truncate', length: 0 }, 'length'],
    [{ transform: 'replace' }, 'value'],
    [{ transform: 'replace', value: { secret: 1 } }, 'value'],
    [{ transform: 'replace', value: 'x', dictionary: ['a'] }, 'dictionary'],
    [{ transform: 'replace', value: 'x', dictionary: { a: { b: 1 } } }, 'dictionary'],
    [{ transform: 'generalize' }, 'step'],
    [{ transform: 'generalize', step: 10, to: 'year' }, 'step'],
    [{ transform: 'generalize', step: 0 }, 'step'],
    [{ transform: 'generalize', to: 'day' }, 'to'],
    [{ transform: 'hash', alg: 'sm3' }, 'alg'],
    [{ transform: 'simulate' }, 'type'],
    [{ transform: 'simulate', type: 'ssn' }, 'type'],
    [{ transform: 'encrypt', alg: 'DES' }, 'alg'],
    [{ transform: 'tokenize', alg: 'FF3' }, 'alg'],
    [{ transform: 'keep', scope: 'global' }, 'scope'],
    [{ transform: 'nullify', value: 1 }, 'value'],
  ])('refuses %j naming the param', (policy, param) => {
    const err = thrown(() => validateFieldPolicies({ secretField: policy }));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual({ field: 'secretField', param });
  });

  it('never echoes param values', () => {
    const err = thrown(() => validateFieldPolicies({ f: { transform: 'replace', value: { canary: 'CANARY-VALUE' } } }));
    expect(JSON.stringify(err)).not.toContain('CANARY-VALUE');
  });

  it('refuses fields missing from the schema and transforms that do not fit the type', () => {
    expect(thrown(() => validateFieldPolicies({ salary: { transform: 'keep' } }, schema)).details).toEqual({ field: 'salary' });
    expect(thrown(() => validateFieldPolicies({ age: { transform: 'generalize', to: 'year' } }, schema)).details).toEqual({ field: 'age', param: 'transform', type: 'number' });
    expect(thrown(() => validateFieldPolicies({ dob: { transform: 'generalize', step: 5 } }, schema)).details).toMatchObject({ field: 'dob' });
    expect(thrown(() => validateFieldPolicies({ vip: { transform: 'mask' } }, schema)).details).toMatchObject({ field: 'vip' });
    expect(thrown(() => validateFieldPolicies({ age: { transform: 'simulate', type: 'name' } }, schema)).details).toMatchObject({ field: 'age' });
    expect(() =>
      validateFieldPolicies(
        { name: { transform: 'tokenize' }, age: { transform: 'generalize', step: 10 }, dob: { transform: 'generalize', to: 'month' }, vip: { transform: 'hash' } },
        schema,
      ),
    ).not.toThrow();
  });

  it('refuses a field map that is not an object and reserved names', () => {
    expect(thrown(() => validateFieldPolicies([] as unknown as Record<string, unknown>)).code).toBe('VALIDATION_FAILED');
    expect(thrown(() => validateFieldPolicies(JSON.parse('{"__proto__": {"transform": "keep"}}'))).code).toBe('VALIDATION_FAILED');
  });
});
