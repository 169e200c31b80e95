import { describe, expect, it } from 'vitest';
import { scenario } from '../../../test/support/compliance/scenarios.ts';
import { toFacts } from '../facts.ts';
import { rEx1, rEx2, rEx3, rEx4, rEx5, rEx6, rEx7, rExImp, rExImpVolume, rImpNotified, rSa1, rSa2, rSa3, rSa4, rSc1, rSc2 } from './provisions-2024.ts';
import type { Rule } from './rule.ts';

type Case = [label: string, input: Parameters<typeof scenario>[0], mechanism: string | null];

function table(rule: Rule, cases: Case[]): void {
  describe(`${rule.meta.id} (${rule.meta.source.instrument}, ${rule.meta.source.article})`, () => {
    it.each(cases)('%s', (_label, input, mechanism) => {
      const finding = rule.apply(toFacts(scenario(input)));
      expect(finding?.mechanism ?? null).toBe(mechanism);
      if (finding) {
        expect(finding.rule).toBe(rule.meta.id);
        expect(finding.reason.length).toBeGreaterThan(10);
      }
    });
  });
}

const SA = 'security_assessment';
const SC = 'standard_contract_or_certification';

table(rEx1, [
  ['trade data without important data', { scenario: 'trade_no_pi', data: { personal: 0 } }, 'none'],
  ['applies to a CIIO too', { scenario: 'trade_no_pi', exporter: { ciio: true } }, 'none'],
  ['not with important data (its own condition)', { scenario: 'trade_no_pi', data: { important: true } }, null],
  ['not another scenario', { scenario: 'general' }, null],
  ['not before the 2024 Provisions (2024-03-21)', { scenario: 'trade_no_pi', date: '2024-03-21', data: { personalSincePreviousYear: 120_000, sensitiveSincePreviousYear: 0 } }, null],
  ['from 2024-03-22', { scenario: 'trade_no_pi', date: '2024-03-22' }, 'none'],
]);

table(rEx2, [
  ['foreign-origin PI', { scenario: 'foreign_origin' }, 'none'],
  ['not with important data', { scenario: 'foreign_origin', data: { important: true } }, null],
]);

for (const [rule, kind] of [
  [rEx3, 'contract_with_individual'],
  [rEx4, 'hr'],
  [rEx5, 'emergency'],
] as const) {
  table(rule, [
    ['its scenario, whatever the volume', { scenario: kind, data: { personal: 5_000_000, sensitive: 2_000_000 } }, 'none'],
    ['a CIIO too', { scenario: kind, exporter: { ciio: true } }, 'none'],
    ['not with important data (R-EX-IMP)', { scenario: kind, data: { important: true } }, null],
    ['not another scenario', { scenario: 'general' }, null],
  ]);
}

table(rEx7, [
  ['statutory duty on 2025-01-01', { scenario: 'statutory_duty', date: '2025-01-01' }, 'none'],
  ['not in force on 2024-12-31', { scenario: 'statutory_duty', date: '2024-12-31' }, null],
  ['not with important data', { scenario: 'statutory_duty', data: { important: true } }, null],
]);

table(rExImp, [
  ['R-EX3 with important data', { scenario: 'contract_with_individual', data: { important: true } }, SA],
  ['R-EX4 with important data', { scenario: 'hr', data: { important: true } }, SA],
  ['R-EX5 with important data', { scenario: 'emergency', data: { important: true } }, SA],
  ['R-EX7 is not among R-EX3 … R-EX6', { scenario: 'statutory_duty', data: { important: true } }, null],
  ['no important data', { scenario: 'hr' }, null],
]);

table(rExImpVolume, [
  ['R-EX6 volumes with important data', { data: { personal: 99_999, important: true } }, SA],
  ['not at 100,000 (R-EX6 would not apply anyway)', { data: { personal: 100_000, important: true } }, null],
  ['not for a CIIO', { exporter: { ciio: true }, data: { personal: 10, important: true } }, null],
]);

table(rImpNotified, [
  ['important data', { data: { important: true } }, SA],
  ['none', {}, null],
]);

table(rSa1, [
  ['CIIO with any PI', { exporter: { ciio: true }, data: { personal: 1 } }, SA],
  ['CIIO with sensitive PI only', { exporter: { ciio: true }, data: { personal: 0, sensitive: 1 } }, SA],
  ['CIIO with important data only', { exporter: { ciio: true }, scenario: 'trade_no_pi', data: { personal: 0, important: true } }, SA],
  ['CIIO with neither', { exporter: { ciio: true }, data: { personal: 0 } }, null],
  ['non-CIIO', { data: { personal: 5_000_000 } }, null],
]);

table(rSa2, [
  ['non-CIIO with important data', { data: { personal: 0, important: true } }, SA],
  ['CIIO (R-SA1 instead)', { exporter: { ciio: true }, data: { important: true } }, null],
  ['no important data', {}, null],
]);

table(rEx6, [
  ['99,999 persons, no sensitive', { data: { personal: 99_999 } }, 'none'],
  ['1 person', { data: { personal: 1 } }, 'none'],
  ['100,000 persons', { data: { personal: 100_000 } }, null],
  ['any sensitive PI (1)', { data: { personal: 10, sensitive: 1 } }, null],
  ['a CIIO', { exporter: { ciio: true }, data: { personal: 10 } }, null],
  ['important data', { data: { personal: 10, important: true } }, null],
  ['no PI at all: nothing to exempt', { data: { personal: 0 } }, null],
]);

table(rSa3, [
  ['999,999 persons', { data: { personal: 999_999 } }, null],
  ['1,000,000 persons', { data: { personal: 1_000_000 } }, SA],
  ['not a CIIO rule', { exporter: { ciio: true }, data: { personal: 1_000_000 } }, null],
]);

table(rSa4, [
  ['9,999 sensitive', { data: { sensitive: 9_999 } }, null],
  ['10,000 sensitive', { data: { sensitive: 10_000 } }, SA],
]);

table(rSc1, [
  ['99,999 persons', { data: { personal: 99_999 } }, null],
  ['100,000 persons', { data: { personal: 100_000 } }, SC],
  ['999,999 persons', { data: { personal: 999_999 } }, SC],
  ['1,000,000 persons', { data: { personal: 1_000_000 } }, null],
]);

table(rSc2, [
  ['0 sensitive', { data: { sensitive: 0 } }, null],
  ['1 sensitive', { data: { sensitive: 1 } }, SC],
  ['9,999 sensitive', { data: { sensitive: 9_999 } }, SC],
  ['10,000 sensitive', { data: { sensitive: 10_000 } }, null],
]);
