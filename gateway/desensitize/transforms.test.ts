import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keysA, keysB } from '../../test/support/desensitize.ts';
import { isBankCard, isChineseName, isEmail, isMobile, isResidentId } from '../discovery/index.ts';
import { createDesensitizer } from './desensitizer.ts';
import { SIMULATE_TYPES, type SimulateType } from './types.ts';

const MB = '文'.repeat(1 << 20);

/** One field through a one-field policy, and its nulled count. */
function run(policy: Record<string, unknown>, values: unknown[], keys = keysA): { out: unknown[]; nulled: number } {
  const d = createDesensitizer({ v: policy }, keys);
  const out = d.transformBatch(values.map((v) => ({ v }))).map((r) => r.v);
  return { out, nulled: d.stats().nulled.v! };
}
const one = (policy: Record<string, unknown>, value: unknown, keys = keysA): unknown => run(policy, [value], keys).out[0];

describe('absent and empty values', () => {
  const policies: Record<string, unknown>[] = [
    { transform: 'keep' },
    { transform: 'nullify' },
    { transform: 'shuffle' },
    { transform: 'mask' },
    { transform: 'truncate', length: 2 },
    { transform: 'replace', value: 'R' },
    { transform: 'generalize', step: 10 },
    { transform: 'generalize', to: 'year' },
    { transform: 'hash' },
    { transform: 'simulate', type: 'cn_mobile' },
    { transform: 'tokenize' },
  ];

  it.each(policies.map((p) => [p.transform, p]))('%s: null and undefined give null', (_, policy) => {
    expect(run(policy as Record<string, unknown>, [null, undefined]).out).toEqual([null, null]);
  });

  it.each(policies.filter((p) => !['nullify', 'replace'].includes(p.transform as string)).map((p) => [p.transform, p]))(
    '%s: the empty string stays empty',
    (_, policy) => {
      expect(one(policy as Record<string, unknown>, '')).toBe('');
    },
  );

  it('nullify and replace treat the empty string as a value', () => {
    expect(one({ transform: 'nullify' }, '')).toBeNull();
    expect(one({ transform: 'replace', value: 'R' }, '')).toBe('R');
    expect(one({ transform: 'replace', value: 'R', dictionary: { '': 'blank' } }, '')).toBe('blank');
  });
});

describe('mask', () => {
  it('keeps 3 + 4 by default and preserves length', () => {
    expect(one({ transform: 'mask' }, '13812345678')).toBe('138****5678');
    expect(one({ transform: 'mask' }, 13812345678)).toBe('138****5678');
  });

  it('counts CJK and emoji as one character each', () => {
    expect(one({ transform: 'mask', keepStart: 1, keepEnd: 0 }, '张三丰')).toBe('张**');
    expect(one({ transform: 'mask', keepStart: 1, keepEnd: 1 }, '😀ab😎')).toBe('😀**😎');
    expect(one({ transform: 'mask', keepStart: 2, keepEnd: 1, char: '🔒' }, '北京市朝阳区')).toBe('北京🔒🔒🔒区');
  });

  it('masks short values entirely, keeping their length', () => {
    expect(one({ transform: 'mask' }, '1234567')).toBe('*******');
    expect(one({ transform: 'mask' }, '张三丰')).toBe('***');
    expect(one({ transform: 'mask', keepStart: 0, keepEnd: 0 }, 'ab')).toBe('**');
  });

  it('handles 1 MB values and refuses objects', () => {
    const out = one({ transform: 'mask' }, MB) as string;
    expect(out.length).toBe(MB.length);
    expect(out.slice(0, 4)).toBe('文文文*');
    expect(run({ transform: 'mask' }, [{ a: 1 }, [1], Number.NaN])).toEqual({ out: [null, null, null], nulled: 3 });
  });
});

describe('truncate', () => {
  it('cuts by code points, never inside a surrogate pair', () => {
    expect(one({ transform: 'truncate', length: 2 }, '张三丰')).toBe('张三');
    expect(one({ transform: 'truncate', length: 2 }, '😀😎x')).toBe('😀😎');
    expect(one({ transform: 'truncate', length: 3 }, 'ab')).toBe('ab');
    expect(one({ transform: 'truncate', length: 3 }, 123456)).toBe('123');
    expect(one({ transform: 'truncate', length: 5 }, MB)).toBe('文文文文文');
  });
});

describe('replace', () => {
  it('maps through the dictionary, else gives value', () => {
    const policy = { transform: 'replace', value: '其他', dictionary: { 北京: '华北', '1': 'one', constructor: 'c' } };
    expect(run(policy, ['北京', '上海', 1, 'toString', 'constructor', { a: 1 }]).out).toEqual(['华北', '其他', 'one', '其他', 'c', '其他']);
    expect(one({ transform: 'replace', value: null }, 'x')).toBeNull();
  });
});

describe('generalize', () => {
  it('buckets numbers with integer steps as inclusive labels', () => {
    expect(run({ transform: 'generalize', step: 10 }, [37, '37', 30, 39.5, 0, -5, -10, ' 42 ', 1e3]).out).toEqual([
      '30-39',
      '30-39',
      '30-39',
      '30-39',
      '0-9',
      '-10--1',
      '-10--1',
      '40-49',
      '1000-1009',
    ]);
  });

  it('buckets with fractional steps as half-open labels, robust to binary rounding', () => {
    expect(run({ transform: 'generalize', step: 0.5 }, [1.26, 1.5, -0.1]).out).toEqual(['1.0-1.5', '1.5-2.0', '-0.5-0.0']);
    expect(one({ transform: 'generalize', step: 0.1 }, 0.3)).toBe('0.3-0.4');
  });

  it('nulls what is not a number', () => {
    expect(run({ transform: 'generalize', step: 10 }, ['abc', '1,000', true, Number.POSITIVE_INFINITY, MB])).toEqual({ out: [null, null, null, null, null], nulled: 5 });
  });

  it('reduces dates to year or month', () => {
    expect(run({ transform: 'generalize', to: 'year' }, ['1985-03-12', '1985/3/12', '19850312', '1985年3月12日']).out).toEqual(['1985', '1985', '1985', '1985']);
    expect(run({ transform: 'generalize', to: 'month' }, ['1985-03-12T23:59:59+08:00', new Date(Date.UTC(1985, 2, 12))]).out).toEqual(['1985-03', '1985-03']);
    expect(run({ transform: 'generalize', to: 'month' }, ['1985-02-30', '12/03/1985', 'soon', 19850312])).toEqual({ out: [null, null, null, '1985-03'], nulled: 3 });
  });
});

describe('hash', () => {
  it('is lowercase hex HMAC-SM3 by default, HMAC-SHA256 on request, under the hash key', () => {
    const expectSm3 = createHmac('sm3', keysA.hash).update('13812345678').digest('hex');
    const expectSha = createHmac('sha256', keysA.hash).update('张三丰').digest('hex');
    expect(one({ transform: 'hash' }, '13812345678')).toBe(expectSm3);
    expect(one({ transform: 'hash', alg: 'hmac-sha256' }, '张三丰')).toBe(expectSha);
    expect(one({ transform: 'hash' }, 13812345678)).toBe(expectSm3);
    expect(one({ transform: 'hash' }, MB)).toBe(createHmac('sm3', keysA.hash).update(MB).digest('hex'));
  });

  it('is deterministic under one key and unlinkable across keys', () => {
    expect(one({ transform: 'hash' }, 'x')).toBe(one({ transform: 'hash' }, 'x'));
    expect(one({ transform: 'hash' }, 'x', keysB)).not.toBe(one({ transform: 'hash' }, 'x'));
  });
});

describe('simulate', () => {
  const validators: Record<SimulateType, (v: string) => boolean> = {
    cn_resident_id: (v) => isResidentId(v),
    cn_mobile: isMobile,
    bank_card: isBankCard,
    email: isEmail,
    name: isChineseName,
  };
  const inputs: Record<SimulateType, string[]> = {
    cn_resident_id: ['11010519491231002X', '440106198001010015', 'not an id'],
    cn_mobile: ['13812345678', '+86 139-0000-1111', '12'],
    bank_card: ['6222021234567890128', '4111111111111111', 'x'],
    email: ['zhang@qq.com', 'li.wei@163.com', '@'],
    name: ['张三丰', '欧阳娜娜', 'John'],
  };

  it.each(SIMULATE_TYPES)('%s fakes pass the format validator, are deterministic and never the input', (type) => {
    const values = [...inputs[type], ...Array.from({ length: 300 }, (_, i) => `${inputs[type][0]}${i}`)];
    const first = run({ transform: 'simulate', type }, values).out as string[];
    const again = run({ transform: 'simulate', type }, values).out as string[];
    const other = run({ transform: 'simulate', type }, values, keysB).out as string[];
    expect(again).toEqual(first);
    first.forEach((fake, i) => {
      expect(validators[type](fake)).toBe(true);
      expect(fake).not.toBe(values[i]);
    });
    expect(first.filter((f, i) => f === other[i]).length).toBeLessThan(5);
    expect(new Set(first).size).toBeGreaterThan(values.length * 0.9);
  });

  it('keeps a card number length of 16 to 19 digits and canonicalizes phones', () => {
    expect((one({ transform: 'simulate', type: 'bank_card' }, '4111111111111111') as string).length).toBe(16);
    expect(one({ transform: 'simulate', type: 'cn_mobile' }, '+86 138-1234-5678')).toBe(one({ transform: 'simulate', type: 'cn_mobile' }, '13812345678'));
  });

  it('handles 1 MB input', () => {
    expect(isChineseName(one({ transform: 'simulate', type: 'name' }, MB) as string)).toBe(true);
  });
});
