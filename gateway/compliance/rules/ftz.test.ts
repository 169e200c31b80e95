import { describe, expect, it } from 'vitest';
import { scenario } from '../../../test/support/compliance/scenarios.ts';
import { assess, assessWithLists } from '../assess.ts';
import { NEGATIVE_LISTS, type NegativeList } from '../lists/index.ts';
import type { Modality, Scenario } from '../scenario.ts';

const SA = 'security_assessment';
const SC = 'standard_contract_or_certification';
const AI = ['R-FTZ-SCOPE', 'R-FTZ-BJ-AI'];
const RETAIL = ['R-FTZ-SCOPE', 'R-FTZ-BJ-RETAIL'];

function beijing(kind: Scenario['scenario'], data: Partial<Scenario['data']>, modality: Modality | null = null, date = '2026-05-01'): Scenario {
  return scenario({ date, scenario: kind, modality, exporter: { ftz: 'beijing' }, data: { personal: 0, ...data } });
}

type Row = [label: string, input: Scenario, mechanism: string, rules: string[]];

function table(title: string, rows: Row[]): void {
  describe(title, () => {
    it.each(rows)('%s', (_label, input, mechanism, rules) => {
      const { mechanism: m, rules: r } = assess(input);
      expect({ mechanism: m, rules: r }).toEqual({ mechanism, rules });
    });
  });
}

table('R-FTZ-BJ-AI: AI training data, audio/image figures (sensitive PI)', [
  ...(['audio', 'image'] as const).flatMap((modality): Row[] => [
    [`${modality} 9,999 → outside the list`, beijing('ai_training', { sensitive: 9_999 }, modality), 'none', AI],
    [`${modality} 10,000 → SC`, beijing('ai_training', { sensitive: 10_000 }, modality), SC, AI],
    [`${modality} 49,999 → SC`, beijing('ai_training', { sensitive: 49_999 }, modality), SC, AI],
    [`${modality} 50,000 → SA`, beijing('ai_training', { sensitive: 50_000 }, modality), SA, AI],
  ]),
]);

table('R-FTZ-BJ-AI: AI training data, text figures', [
  ['text 9,999 → outside the list', beijing('ai_training', { sensitive: 9_999 }, 'text'), 'none', AI],
  ['text 10,000 → SC', beijing('ai_training', { sensitive: 10_000 }, 'text'), SC, AI],
  ['text 50,000 → SC (audio/image would be SA)', beijing('ai_training', { sensitive: 50_000 }, 'text'), SC, AI],
  ['text 99,999 → SC', beijing('ai_training', { sensitive: 99_999 }, 'text'), SC, AI],
  ['text 100,000 → SA', beijing('ai_training', { sensitive: 100_000 }, 'text'), SA, AI],
  ['no modality: the strictest figures', beijing('ai_training', { sensitive: 50_000 }), SA, AI],
  ['non-sensitive PI is not on the list', beijing('ai_training', { personal: 2_000_000 }, 'text'), 'none', AI],
  ['R-FTZ-BJ-IMP-RULE: 10,000,000 persons are important data', beijing('ai_training', { personal: 10_000_000 }, 'text'), SA, ['R-FTZ-BJ-IMP-RULE']],
  ['R-FTZ-BJ-AI-IMP: important AI data', beijing('ai_training', { sensitive: 5, important: true }, 'text'), SA, ['R-IMP-NOTIFIED', 'R-SA2', 'R-FTZ-BJ-AI-IMP']],
  ['a CIIO gets no relief from the list (R-SA1)', { ...beijing('ai_training', { sensitive: 5 }, 'text'), exporter: { ciio: true, ftz: 'beijing' } }, SA, ['R-SA1']],
]);

table('R-FTZ-BJ-RETAIL: retail membership figures', [
  ['499,999 member PI → outside the list', beijing('retail_membership', { personal: 499_999 }), 'none', RETAIL],
  ['500,000 → SC', beijing('retail_membership', { personal: 500_000 }), SC, RETAIL],
  ['4,999,999 → SC', beijing('retail_membership', { personal: 4_999_999 }), SC, RETAIL],
  ['5,000,000 → SA', beijing('retail_membership', { personal: 5_000_000 }), SA, RETAIL],
  ['99,999 sensitive → outside the list', beijing('retail_membership', { sensitive: 99_999 }), 'none', RETAIL],
  ['100,000 sensitive → SC', beijing('retail_membership', { sensitive: 100_000 }), SC, RETAIL],
  ['999,999 sensitive → SC', beijing('retail_membership', { sensitive: 999_999 }), SC, RETAIL],
  ['1,000,000 sensitive → SA (and important under R-FTZ-BJ-IMP-RULE)', beijing('retail_membership', { sensitive: 1_000_000 }), SA, [...RETAIL, 'R-FTZ-BJ-IMP-RULE']],
  ['the strictest of the two measures', beijing('retail_membership', { personal: 600_000, sensitive: 50 }), SC, RETAIL],
]);

table('R-FTZ-BJ-AUTO: automotive keeps the national PI figures', [
  ['120,000 persons → R-SC1', beijing('automotive', { personal: 120_000 }), SC, ['R-SC1']],
  ['99,999 persons → R-EX6', beijing('automotive', { personal: 99_999 }), 'none', ['R-EX6']],
  ['automotive important data', beijing('automotive', { personal: 10, important: true }), SA, ['R-IMP-NOTIFIED', 'R-EX-IMP', 'R-SA2', 'R-FTZ-BJ-AUTO']],
]);

table('R-FTZ-SCOPE: a list applies only to its FTZ, its fields and from its date', [
  ['not registered in an FTZ: national R-SC2', scenario({ scenario: 'ai_training', modality: 'audio', data: { personal: 0, sensitive: 5_000 } }), SC, ['R-SC2']],
  ['registered in another FTZ: national R-SC2', scenario({ scenario: 'ai_training', modality: 'audio', exporter: { ftz: 'shanghai' }, data: { personal: 0, sensitive: 5_000 } }), SC, ['R-SC2']],
  ['a field Beijing does not name: national R-SC1', beijing('general', { personal: 120_000 }), SC, ['R-SC1']],
  ['retail outside the list field: national R-SA3', scenario({ data: { personal: 1_000_000 }, exporter: { ftz: 'beijing' } }), SA, ['R-SA3']],
  ['the day before the Beijing list (2024-08-29): national', beijing('ai_training', { sensitive: 5_000 }, 'audio', '2024-08-29'), SC, ['R-SC2']],
  ['the day the Beijing list is published (2024-08-30)', beijing('ai_training', { sensitive: 5_000 }, 'audio', '2024-08-30'), 'none', AI],
  ['Tianjin without item data: national rules', scenario({ exporter: { ftz: 'tianjin' }, scenario: 'automotive' }), SC, ['R-SC1']],
]);

describe('list data', () => {
  it('explains why a list gave no relief', () => {
    expect(assess(scenario({ exporter: { ftz: 'tianjin' } })).explanation).toMatch(/not loaded/);
    expect(assess(beijing('general', { personal: 120_000 })).explanation).toMatch(/names no field covering the 'general' scenario/);
    expect(assess(scenario({ scenario: 'ai_training' })).explanation).toMatch(/not registered in a free-trade zone/);
  });

  it('carries an edition, an in-force date and the 13 Tianjin categories', () => {
    for (const list of Object.values(NEGATIVE_LISTS)) {
      expect(list.edition).toBe('2024');
      expect(list.inForce).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(NEGATIVE_LISTS.tianjin.fields).toHaveLength(13);
    expect(NEGATIVE_LISTS.tianjin.scope).toBe('all-data');
  });

  // Once Tianjin's items are loaded, data matching no item needs no mechanism (R-FTZ-TJ).
  const loadedTianjin: NegativeList = {
    ...NEGATIVE_LISTS.tianjin,
    fields: NEGATIVE_LISTS.tianjin.fields.map((f) =>
      f.name === 'industry' ? { ...f, thresholds: [{ measure: 'personal', securityAssessmentFrom: 200_000, contractFrom: 50_000 }] } : f,
    ),
  };
  const lists = { ...NEGATIVE_LISTS, tianjin: loadedTianjin };

  it.each<[string, Scenario, string, string[]]>([
    ['an item with its own figures', scenario({ scenario: 'automotive', exporter: { ftz: 'tianjin' }, data: { personal: 60_000 } }), SC, ['R-FTZ-TJ']],
    ['below the item figure', scenario({ scenario: 'automotive', exporter: { ftz: 'tianjin' }, data: { personal: 49_999 } }), 'none', ['R-FTZ-TJ']],
    ['data in a category without loaded items', scenario({ exporter: { ftz: 'tianjin' }, scenario: 'retail_membership' }), SC, ['R-SC1']],
    ['data outside every category', scenario({ exporter: { ftz: 'tianjin' }, scenario: 'statutory_duty', date: '2024-06-01' }), 'none', ['R-FTZ-TJ']],
  ])('loaded Tianjin list: %s', (_label, input, mechanism, rules) => {
    const result = assessWithLists(input, lists);
    expect({ mechanism: result.mechanism, rules: result.rules }).toEqual({ mechanism, rules });
  });
});
