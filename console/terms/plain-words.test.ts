import { describe, expect, it } from 'vitest';
import { contractText, describeContract, describeTransform } from './plain-words.ts';
import { exportScenario } from './scenario.ts';
import type { ContractTerms } from './types.ts';

const base: ContractTerms = {
  contractId: 'ctr_1',
  datasetId: 'ds_1',
  ownerId: 'pty_o',
  recipientId: 'pty_r',
  purposes: ['analytics'],
  legalBasis: 'contract',
  scenario: 'general',
  fields: { phone: { transform: 'mask', keepStart: 3, keepEnd: 2 }, age: { transform: 'generalize', step: 10 }, spend: { transform: 'aggregate' } },
  validFrom: '2026-05-01T00:00:00.000Z',
  validUntil: '2027-05-01T00:00:00.000Z',
  retentionDays: 90,
  onwardTransfer: false,
  destination: { country: 'SG', location: 'Singapore' },
  createdAt: '2026-05-01T00:00:00.000Z',
};
const fields = [
  { name: 'phone', type: 'string', category: 'personal' },
  { name: 'age', type: 'number', category: 'personal' },
  { name: 'spend', type: 'number', category: 'general' },
  { name: 'id_card', type: 'string', category: 'sensitive' },
];

describe('contracts in plain words', () => {
  it('names what leaves and how, what only feeds aggregates, and what stays, in both languages', () => {
    const en = describeContract(base, fields, 'en', 'Lion');
    expect(en.leaving.map((l) => [l.field, l.category, l.words])).toEqual([
      ['phone', 'personal information', 'masked: the first 3 and last 2 characters kept, the rest replaced by “*”'],
      ['age', 'personal information', 'generalized to ranges of 10 (e.g. 30-39)'],
    ]);
    expect(en.computeOnly.map((l) => l.field)).toEqual(['spend']);
    expect(en.staying).toEqual([{ field: 'id_card', category: 'sensitive personal information' }]);
    expect(en.terms).toContainEqual({ label: 'Recipient', value: 'Lion (pty_r)' });
    expect(en.terms).toContainEqual({ label: 'Onward transfer', value: 'not allowed' });
    const zh = contractText(describeContract(base, fields, 'zh'), 'zh');
    expect(zh).toContain('phone [个人信息]: 掩码后发送：保留前 3 位和后 2 位');
    expect(zh).toContain('留在境内的字段\n  • id_card [敏感个人信息]');
    expect(zh).toMatch(/保存期限\s+90 天/);
  });

  it('has words of its own for every SURFACE transform', () => {
    const transforms = ['keep', 'nullify', 'shuffle', 'mask', 'truncate', 'replace', 'generalize', 'hash', 'simulate', 'encrypt', 'tokenize', 'aggregate', 'redact'];
    for (const lang of ['zh', 'en'] as const) {
      for (const transform of transforms) expect(describeTransform({ transform }, lang), `${lang} ${transform}`).not.toMatch(/“\w+”$|按“/);
    }
    expect(describeTransform({ transform: 'hash', scope: 'owner' }, 'en')).toContain('all your contracts');
    expect(describeTransform({ transform: 'generalize', to: 'month' }, 'zh')).toBe('泛化到月后发送');
  });

  it('describes AI egress contracts (prompts, redacted) and disclosure terms', () => {
    const { datasetId: _d, fields: _f, ...rest } = base;
    const egress: ContractTerms = { ...rest, kind: 'ai_egress', prompts: { transform: 'redact', mode: 'token' } };
    const plain = describeContract(egress, [], 'en');
    expect(plain.leaving).toEqual([{ field: 'prompts', category: '', transform: 'redact', words: 'personal data in the text (all kinds) replaced by tokens restorable only through the key management service; the rest of the text unchanged' }]);
    expect(plain.staying).toEqual([]);
    const guarded = describeContract({ ...base, disclosure: { minGroupSize: 50, dp: { epsilon: 0.5, budget: 2, period: 'month', bounds: { spend: { lower: 0, upper: 1000 } } } } }, fields, 'zh');
    expect(guarded.terms).toContainEqual({ label: '计算结果最小群体', value: '每个发布的结果至少覆盖 50 人' });
    expect(guarded.terms).toContainEqual({ label: '差分隐私', value: '每次发布 ε = 0.5，每月预算 2，每人计入至多 1 行；取值截断到 spend [0, 1000]' });
  });

  it('builds the Scenario the gateway would assess: persons added only when personal fields leave with values', () => {
    const scenario = exportScenario(base, fields, { ciio: false, ftz: null }, { personal: 1000, sensitive: 5 }, 200, '2026-06-01') as { data: Record<string, unknown> };
    expect(scenario.data).toMatchObject({ personal: 1200, sensitive: 5, important: false, core: false });
    const nothing = exportScenario({ ...base, fields: { phone: { transform: 'nullify' } } }, fields, { ciio: false, ftz: null }, { personal: 1000, sensitive: 5 }, 200, '2026-06-01') as { data: Record<string, unknown> };
    expect(nothing.data).toMatchObject({ personal: 1000 });
  });
});
