import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { oldScenario, scenario } from '../../test/support/compliance/scenarios.ts';
import { assess, countsTowardThresholds } from './assess.ts';
import type { Scenario } from './scenario.ts';
import { assessmentSchema, scenarioSchema } from './schemas.ts';

const SA = 'security_assessment';
const SC = 'standard_contract_or_certification';
const validAssessment = new Ajv({ strict: true }).compile(assessmentSchema);

type Row = [label: string, input: Scenario, mechanism: string, rules: string[]];

function table(title: string, rows: Row[]): void {
  describe(title, () => {
    it.each(rows)('%s', (_label, input, mechanism, rules) => {
      const result = assess(input);
      expect({ mechanism: result.mechanism, rules: result.rules }).toEqual({ mechanism, rules });
      expect(validAssessment(result)).toBe(true);
      for (const id of result.rules) expect(result.explanation).toContain(id);
    });
  });
}

table('2024 regime: volume thresholds, cumulative per exporter (R-EX6, R-SC1, R-SA3, R-SC2, R-SA4, R-NO-SPLIT)', [
  ['SURFACE example: 120,000 persons', scenario(), SC, ['R-SC1']],
  ['99,999 persons → R-EX6', scenario({ data: { personal: 99_999 } }), 'none', ['R-EX6']],
  ['100,000 persons → R-SC1', scenario({ data: { personal: 100_000 } }), SC, ['R-SC1']],
  ['999,999 persons → R-SC1', scenario({ data: { personal: 999_999 } }), SC, ['R-SC1']],
  ['1,000,000 persons → R-SA3', scenario({ data: { personal: 1_000_000 } }), SA, ['R-SA3']],
  ['0 sensitive keeps R-EX6', scenario({ data: { personal: 50_000, sensitive: 0 } }), 'none', ['R-EX6']],
  ['1 sensitive → R-SC2 (no R-EX6 with sensitive PI)', scenario({ data: { personal: 50_000, sensitive: 1 } }), SC, ['R-SC2']],
  ['9,999 sensitive → R-SC2', scenario({ data: { personal: 0, sensitive: 9_999 } }), SC, ['R-SC2']],
  ['10,000 sensitive → R-SA4', scenario({ data: { personal: 0, sensitive: 10_000 } }), SA, ['R-SA4']],
  ['both limbs at SA list both', scenario({ data: { personal: 1_000_000, sensitive: 10_000 } }), SA, ['R-SA3', 'R-SA4']],
  ['both limbs at SC list both', scenario({ data: { personal: 150_000, sensitive: 5 } }), SC, ['R-SC1', 'R-SC2']],
  ['the strictest wins: SC and SA → SA', scenario({ data: { personal: 150_000, sensitive: 10_000 } }), SA, ['R-SA4']],
  ['no PI and no important data engages nothing', scenario({ data: { personal: 0 } }), 'none', []],
]);

table('important and core data (R-IMP-NOTIFIED, R-SA2, R-EX-IMP, R-CORE)', [
  ['important data → R-SA2', scenario({ data: { important: true } }), SA, ['R-IMP-NOTIFIED', 'R-SA2']],
  ['important data defeats R-EX6', scenario({ data: { personal: 10, important: true } }), SA, ['R-IMP-NOTIFIED', 'R-EX-IMP', 'R-SA2']],
  ['important data defeats R-EX3', scenario({ scenario: 'contract_with_individual', data: { important: true } }), SA, ['R-IMP-NOTIFIED', 'R-EX-IMP', 'R-SA2']],
  ['important data defeats R-EX4', scenario({ scenario: 'hr', data: { important: true } }), SA, ['R-IMP-NOTIFIED', 'R-EX-IMP', 'R-SA2']],
  ['important data defeats R-EX5', scenario({ scenario: 'emergency', data: { important: true } }), SA, ['R-IMP-NOTIFIED', 'R-EX-IMP', 'R-SA2']],
  ['important data is outside R-EX7', scenario({ scenario: 'statutory_duty', data: { important: true } }), SA, ['R-IMP-NOTIFIED', 'R-SA2']],
  ['R-EX1 requires no important data', scenario({ scenario: 'trade_no_pi', data: { personal: 0, important: true } }), SA, ['R-IMP-NOTIFIED', 'R-SA2']],
  ['R-EX2 requires no important data', scenario({ scenario: 'foreign_origin', data: { important: true } }), SA, ['R-IMP-NOTIFIED', 'R-SA2']],
  ['core data is prohibited', scenario({ data: { core: true } }), 'prohibited', ['R-CORE']],
  ['core data is prohibited under an exemption scenario', scenario({ scenario: 'hr', data: { core: true } }), 'prohibited', ['R-CORE']],
  ['core data is prohibited for a CIIO', scenario({ exporter: { ciio: true }, data: { core: true, important: true } }), 'prohibited', ['R-CORE']],
  ['core data is prohibited inside an FTZ list field', scenario({ scenario: 'ai_training', exporter: { ftz: 'beijing' }, data: { sensitive: 1, core: true } }), 'prohibited', ['R-CORE']],
  ['core data is prohibited under the 2022 regime', oldScenario({ data: { core: true } }), 'prohibited', ['R-CORE']],
]);

table('scenario exemptions (R-EX1 … R-EX5, R-EX7) and CIIOs (R-SA1)', [
  ['R-EX1 trade data without PI', scenario({ scenario: 'trade_no_pi', data: { personal: 0 } }), 'none', ['R-EX1']],
  ['R-EX2 foreign-origin PI', scenario({ scenario: 'foreign_origin' }), 'none', ['R-EX2']],
  ['R-EX3 contract with the individual, any volume', scenario({ scenario: 'contract_with_individual', data: { personal: 3_000_000, sensitive: 50_000 } }), 'none', ['R-EX3']],
  ['R-EX4 HR', scenario({ scenario: 'hr', data: { sensitive: 20_000 } }), 'none', ['R-EX4']],
  ['R-EX5 emergency', scenario({ scenario: 'emergency' }), 'none', ['R-EX5']],
  ['R-EX7 from 2025-01-01', scenario({ scenario: 'statutory_duty', date: '2025-01-01' }), 'none', ['R-EX7']],
  ['R-EX7 not on 2024-12-31: general rules', scenario({ scenario: 'statutory_duty', date: '2024-12-31' }), SC, ['R-SC1']],
  ['CIIO with any PI → R-SA1', scenario({ exporter: { ciio: true }, data: { personal: 1 } }), SA, ['R-SA1']],
  ['CIIO below R-EX6 volumes still → R-SA1 (R-EX6 excludes CIIOs)', scenario({ exporter: { ciio: true }, data: { personal: 99 } }), SA, ['R-SA1']],
  ['CIIO under R-EX3', scenario({ exporter: { ciio: true }, scenario: 'contract_with_individual' }), 'none', ['R-EX3']],
  ['CIIO under R-EX4', scenario({ exporter: { ciio: true }, scenario: 'hr' }), 'none', ['R-EX4']],
  ['CIIO under R-EX5', scenario({ exporter: { ciio: true }, scenario: 'emergency' }), 'none', ['R-EX5']],
  ['CIIO under R-EX7', scenario({ exporter: { ciio: true }, scenario: 'statutory_duty', date: '2025-06-01' }), 'none', ['R-EX7']],
  ['CIIO under R-EX1', scenario({ exporter: { ciio: true }, scenario: 'trade_no_pi', data: { personal: 0 } }), 'none', ['R-EX1']],
  ['CIIO with important data under R-EX4', scenario({ exporter: { ciio: true }, scenario: 'hr', data: { important: true } }), SA, ['R-IMP-NOTIFIED', 'R-EX-IMP', 'R-SA1']],
  ['CIIO with neither PI nor important data', scenario({ exporter: { ciio: true }, data: { personal: 0 } }), 'none', []],
]);

table('2022 regime (R-OLD-SA, R-OLD-SC)', [
  ['any PI → R-OLD-SC', oldScenario({ data: { personal: 10 } }), SC, ['R-OLD-SC']],
  ['no scenario exemptions then', oldScenario({ scenario: 'hr', data: { personal: 0 } }), SC, ['R-OLD-SC']],
  ['no FTZ lists then', oldScenario({ scenario: 'ai_training', exporter: { ftz: 'beijing' }, data: { personal: 0, sensitive: 5 } }), SC, ['R-OLD-SC']],
  ['99,999 since the previous year', oldScenario({ data: { personal: 10, personalSincePreviousYear: 99_999 } }), SC, ['R-OLD-SC']],
  ['100,000 since the previous year → R-OLD-SA', oldScenario({ data: { personal: 10, personalSincePreviousYear: 100_000 } }), SA, ['R-OLD-SA']],
  ['10,000 sensitive since the previous year → R-OLD-SA', oldScenario({ data: { personal: 10, sensitive: 1, sensitiveSincePreviousYear: 10_000 } }), SA, ['R-OLD-SA']],
  ['1,000,000 processed → R-OLD-SA', oldScenario({ data: { personal: 10, processedPersons: 1_000_000 } }), SA, ['R-OLD-SA']],
  ['CIIO → R-OLD-SA', oldScenario({ exporter: { ciio: true }, data: { personal: 1 } }), SA, ['R-OLD-SA']],
  ['important data → R-OLD-SA', oldScenario({ scenario: 'trade_no_pi', data: { personal: 0, important: true } }), SA, ['R-OLD-SA']],
  ['trade data without PI', oldScenario({ scenario: 'trade_no_pi', data: { personal: 0 } }), 'none', []],
]);

describe('regime by transfer date', () => {
  it.each([
    ['2022-09-01', '2022'],
    ['2024-03-21', '2022'],
    ['2024-03-22', '2024'],
    ['2024-03-21T15:59:59Z', '2022'],
    // Judged by the China date: 16:00 UTC is midnight in Beijing.
    ['2024-03-21T16:00:00Z', '2024'],
    ['2024-03-22T07:59:59+08:00', '2024'],
  ])('%s → %s regime', (date, regime) => {
    const input = oldScenario({ date, data: { personal: 10 } });
    expect(assess(input).regime).toBe(regime);
  });

  it('refuses transfers dated before 2022-09-01', () => {
    expect(() => assess(oldScenario({ date: '2022-08-31' }))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('needs the since-previous-year figures under the 2022 regime', () => {
    expect(() => assess(scenario({ date: '2024-03-21' }))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('duties (R-DUTY-*)', () => {
  const ALL = ['R-DUTY-NOTICE', 'R-DUTY-CONSENT', 'R-DUTY-PIPIA', 'R-DUTY-RECORDS', 'R-DUTY-SCOPE', 'R-DUTY-ONWARD', 'R-DUTY-FOREIGN-AUTH', 'R-DUTY-SHOW'];
  const WITHOUT_CONSENT = ALL.filter((d) => d !== 'R-DUTY-CONSENT');

  it.each<[string, Scenario, string[]]>([
    ['consent basis: every PI duty', { ...scenario(), legalBasis: 'consent' }, ALL],
    ['no basis declared: consent assumed', scenario(), ALL],
    ['contract basis: no separate consent', { ...scenario(), legalBasis: 'contract' }, WITHOUT_CONSENT],
    ['an exemption keeps the duties', scenario({ scenario: 'hr' }), WITHOUT_CONSENT],
    ['an exemption scenario with a consent basis', { ...scenario({ scenario: 'contract_with_individual' }), legalBasis: 'consent' }, ALL],
    ['important data without PI', scenario({ scenario: 'trade_no_pi', data: { personal: 0, important: true } }), ['R-DUTY-RECORDS', 'R-DUTY-SCOPE', 'R-DUTY-FOREIGN-AUTH', 'R-DUTY-SHOW']],
    ['nothing regulated leaves', scenario({ data: { personal: 0 } }), []],
    ['prohibited: nothing may leave', scenario({ data: { core: true } }), []],
  ])('%s', (_label, input, duties) => {
    expect(assess(input).duties).toEqual(duties);
  });
});

describe('explanation', () => {
  it('names the regime, the deciding rules, the result and the duties', () => {
    const { explanation } = assess(scenario({ scenario: 'hr' }));
    expect(explanation).toMatch(/2024 regime/);
    expect(explanation).toMatch(/R-EX4: cross-border HR/);
    expect(explanation).toMatch(/No legal mechanism is needed/);
    expect(explanation).toMatch(/R-EX-COUNT/);
  });

  it('says why R-EX7 did not apply before 2025', () => {
    expect(assess(scenario({ scenario: 'statutory_duty', date: '2024-12-31' })).explanation).toMatch(/R-EX7 .* only from 2025-01-01/);
  });
});

describe('R-EX-COUNT: countsTowardThresholds', () => {
  it.each<[string, Scenario, boolean]>([
    ['general', scenario(), true],
    ['R-EX6 volumes are counted', scenario({ data: { personal: 10 } }), true],
    ['R-EX3', scenario({ scenario: 'contract_with_individual' }), false],
    ['R-EX4', scenario({ scenario: 'hr' }), false],
    ['R-EX7 from 2025', scenario({ scenario: 'statutory_duty', date: '2025-01-01' }), false],
    ['statutory duty before 2025', scenario({ scenario: 'statutory_duty', date: '2024-12-31' }), true],
    ['an exemption defeated by important data', scenario({ scenario: 'hr', data: { important: true } }), true],
    ['the 2022 regime had no exemptions', oldScenario({ scenario: 'hr' }), true],
  ])('%s → %s', (_label, input, counted) => {
    expect(countsTowardThresholds(input)).toBe(counted);
  });
});

describe('input validation', () => {
  const reject = (input: unknown) => {
    try {
      assess(input as Scenario);
    } catch (error) {
      return error as { code: string; message: string; details?: unknown };
    }
    throw new Error('accepted');
  };

  it.each<[string, unknown]>([
    ['not an object', 'general'],
    ['a missing field', { ...scenario(), data: { personal: 1 } }],
    ['a negative count', scenario({ data: { personal: -1 } })],
    ['a fractional count', scenario({ data: { personal: 1.5 } })],
    ['a count given as a string', { ...scenario(), data: { ...scenario().data, personal: '13800138000' } }],
    ['an unknown scenario', { ...scenario(), scenario: 'tourism' }],
    ['an unknown FTZ', { ...scenario(), exporter: { ciio: false, ftz: 'shenzhen' } }],
    ['an unexpected property', { ...scenario(), 张三身份证: '110101199003077777' }],
    ['a date that is not in the calendar', scenario({ date: '2025-02-30' })],
    ['a timestamp without an offset', scenario({ date: '2025-02-03T10:00:00' })],
    ['since-previous-year below the current year', oldScenario({ data: { personal: 500, personalSincePreviousYear: 400 } })],
  ])('rejects %s with VALIDATION_FAILED, echoing no value', (_label, input) => {
    const error = reject(input);
    expect(error.code).toBe('VALIDATION_FAILED');
    const text = JSON.stringify({ message: error.message, details: error.details });
    for (const secret of ['13800138000', '110101199003077777', '张三', 'tourism', 'shenzhen']) expect(text).not.toContain(secret);
  });

  it('exports the Scenario schema as plain JSON schema', () => {
    const validate = new Ajv({ strict: true }).compile(scenarioSchema);
    expect(validate(scenario())).toBe(true);
    expect(validate({ ...scenario(), legalBasis: 'consent', modality: 'text' })).toBe(true);
    expect(JSON.parse(JSON.stringify(scenarioSchema))).toEqual(scenarioSchema);
  });
});
