import { describe, expect, it } from 'vitest';
import { oldScenario } from '../../../test/support/compliance/scenarios.ts';
import { toFacts } from '../facts.ts';
import { rCore } from './core.ts';
import { rOldSa, rOldSc } from './measures-2022.ts';
import type { Rule } from './rule.ts';

type Case = [label: string, input: Parameters<typeof oldScenario>[0], mechanism: string | null];

function table(rule: Rule, cases: Case[]): void {
  describe(`${rule.meta.id} (${rule.meta.source.instrument}, ${rule.meta.source.article})`, () => {
    it.each(cases)('%s', (_label, input, mechanism) => {
      expect(rule.apply(toFacts(oldScenario(input)))?.mechanism ?? null).toBe(mechanism);
    });
  });
}

const SA = 'security_assessment';

table(rOldSa, [
  ['99,999 persons since 1 January of the previous year', { data: { personal: 10, personalSincePreviousYear: 99_999 } }, null],
  ['100,000 persons since 1 January of the previous year', { data: { personal: 10, personalSincePreviousYear: 100_000 } }, SA],
  ['9,999 sensitive since the previous year', { data: { personal: 10, sensitive: 10, sensitiveSincePreviousYear: 9_999 } }, null],
  ['10,000 sensitive since the previous year', { data: { personal: 10, sensitive: 10, sensitiveSincePreviousYear: 10_000 } }, SA],
  ['processing 999,999 persons', { data: { personal: 10, processedPersons: 999_999 } }, null],
  ['processing 1,000,000 persons', { data: { personal: 10, processedPersons: 1_000_000 } }, SA],
  ['a CIIO with PI', { exporter: { ciio: true }, data: { personal: 1 } }, SA],
  ['a CIIO without PI or important data', { exporter: { ciio: true }, data: { personal: 0 } }, null],
  ['important data', { scenario: 'trade_no_pi', data: { personal: 0, important: true } }, SA],
  ['on 2022-09-01', { date: '2022-09-01', data: { personal: 10, personalSincePreviousYear: 100_000 } }, SA],
  ['until 2024-03-21', { date: '2024-03-21', data: { personal: 10, personalSincePreviousYear: 100_000 } }, SA],
]);

table(rOldSc, [
  ['any PI export below the bars', { data: { personal: 1 } }, 'standard_contract_or_certification'],
  ['scenarios had no exemptions then', { scenario: 'hr', data: { personal: 0 } }, 'standard_contract_or_certification'],
  ['no PI', { scenario: 'trade_no_pi', data: { personal: 0 } }, null],
]);

table(rCore, [
  ['core data under the 2022 regime', { data: { core: true } }, 'prohibited'],
  ['no core data', {}, null],
]);
