import { describe, expect, it } from 'vitest';
import { keysA } from '../../test/support/desensitize.ts';
import { thrown } from '../../test/support/errors.ts';
import { createDesensitizer } from './desensitizer.ts';
import { enforceMinK, kAnonymity, quasiIdentifiersOf } from './k-anonymity.ts';

const people = Array.from({ length: 100 }, (_, i) => ({ id: `p${i}`, age: 20 + (i % 40), city: i < 99 ? ['北京', '上海'][i % 2] : '拉萨' }));
const policy = { id: { transform: 'hash' }, age: { transform: 'generalize', step: 10 }, city: { transform: 'keep' } };

describe('k-anonymity', () => {
  const transformed = createDesensitizer(policy, keysA).transformAll(people);

  it('finds the smallest equivalence class over the quasi-identifiers', () => {
    const result = kAnonymity(transformed, ['age', 'city'], 2);
    expect(result.k).toBe(1);
    expect(result.classes).toBe(9);
    expect(result.smallestClasses[0]).toEqual({ values: { age: '30-39', city: '拉萨' }, size: 1 });
    expect(result.smallestClasses[1]!.size).toBe(10);
    expect(kAnonymity(transformed, ['age']).k).toBe(20);
    expect(kAnonymity([], ['age'])).toEqual({ k: 0, classes: 0, smallestClasses: [] });
  });

  it('takes linkable transforms as default quasi-identifiers, not pseudonyms', () => {
    expect(quasiIdentifiersOf({ ...policy, phone: { transform: 'tokenize' }, zip: { transform: 'truncate', length: 3 }, x: { transform: 'nullify' } })).toEqual(['age', 'city', 'zip']);
  });

  it('refuses a contract below the owner minK with GROUP_TOO_SMALL, naming no values', () => {
    const err = thrown(() => enforceMinK(transformed, policy, { minK: 5 }));
    expect(err.code).toBe('GROUP_TOO_SMALL');
    expect(err.details).toEqual({ k: 1, minK: 5, quasiIdentifiers: ['age', 'city'] });
    expect(JSON.stringify(err)).not.toContain('拉萨');
    expect(enforceMinK(transformed, policy, { minK: 5, quasiIdentifiers: ['age'] }).k).toBe(20);
    expect(thrown(() => enforceMinK(transformed, policy, { minK: 0 })).code).toBe('VALIDATION_FAILED');
  });
});
