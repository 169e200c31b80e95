import type { Scenario } from '../../../gateway/compliance/index.ts';

type Overrides = Partial<Omit<Scenario, 'data' | 'exporter'>> & {
  data?: Partial<Scenario['data']>;
  exporter?: Partial<Scenario['exporter']>;
};

/** SURFACE.md's example Scenario (2026, non-CIIO, general, 120,000 persons) with overrides. */
export function scenario(overrides: Overrides = {}): Scenario {
  const { data, exporter, ...rest } = overrides;
  return {
    date: '2026-05-01',
    scenario: 'general',
    modality: null,
    ...rest,
    exporter: { ciio: false, ftz: null, ...exporter },
    data: {
      personal: 120_000,
      sensitive: 0,
      important: false,
      core: false,
      personalSincePreviousYear: null,
      sensitiveSincePreviousYear: null,
      processedPersons: null,
      ...data,
    },
  };
}

/** A 2022-regime scenario: the since-previous-year figures default to the current-year ones. */
export function oldScenario(overrides: Overrides = {}): Scenario {
  const base = scenario({ date: '2023-07-01', ...overrides });
  const { personal, sensitive } = base.data;
  return {
    ...base,
    data: {
      ...base.data,
      personalSincePreviousYear: overrides.data?.personalSincePreviousYear ?? Math.max(personal, sensitive),
      sensitiveSincePreviousYear: overrides.data?.sensitiveSincePreviousYear ?? sensitive,
    },
  };
}
