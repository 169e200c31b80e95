import { fail } from '../../common/index.ts';
import { REGIME_2022_FROM, REGIME_2024_FROM } from './rules/catalog.ts';
import type { Ftz, LegalBasis, Modality, Regime, Scenario, ScenarioKind } from './scenario.ts';
import { scenarioSchema } from './schemas.ts';
import { compileValidator } from './validation.ts';

/** A validated Scenario in the form the rules read: China date, regime, defaults filled in. */
export interface Facts {
  date: string;
  year: number;
  regime: Regime;
  ciio: boolean;
  ftz: Ftz | null;
  scenario: ScenarioKind;
  modality: Modality | null;
  legalBasis: LegalBasis | null;
  personal: number;
  sensitive: number;
  important: boolean;
  core: boolean;
  personalSincePreviousYear: number | null;
  sensitiveSincePreviousYear: number | null;
  processedPersons: number | null;
  /** Whether this transfer itself carries PI (see `carriesPersonal`). */
  carriesPersonal: boolean;
}

const validateShape = compileValidator<Scenario>(scenarioSchema, 'scenario');

/** Scenarios that by their nature carry PI whatever the cumulative counts say. */
const PI_SCENARIOS: ReadonlySet<ScenarioKind> = new Set(['foreign_origin', 'contract_with_individual', 'hr', 'emergency', 'statutory_duty']);

const CHINA_OFFSET_MS = 8 * 3_600_000;

/**
 * The rules are PRC rules, so a timestamp is judged by its date in China (UTC+8, no DST):
 * 2024-03-21T20:00Z is already 2024-03-22 in Beijing.
 */
export function chinaDate(value: string): string {
  if (value.length === 10) {
    const parsed = new Date(`${value}T00:00:00Z`);
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) throw fail.validation('date is not a calendar date');
    return value;
  }
  const instant = Date.parse(value);
  if (Number.isNaN(instant)) throw fail.validation('date is not a valid timestamp');
  return new Date(instant + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

export function regimeFor(date: string): Regime {
  // Before the 2022 Measures there was no implemented outbound procedure to judge against; we
  // refuse rather than pretend either regime applied (docs/COMPLIANCE.md, "Dates").
  if (date < REGIME_2022_FROM) throw fail.validation('transfers dated before 2022-09-01 predate the outbound rules this engine implements');
  return date < REGIME_2024_FROM ? '2022' : '2024';
}

/**
 * A since-previous-year count includes the current year's, so it cannot be smaller. Under the
 * 2022 regime those counts are required: current-year counts would under-state them.
 */
function checkCounts(facts: Facts): void {
  const { personal, sensitive, personalSincePreviousYear, sensitiveSincePreviousYear } = facts;
  if (personalSincePreviousYear !== null && personalSincePreviousYear < Math.max(personal, sensitive)) {
    throw fail.validation('personalSincePreviousYear cannot be below the current-year counts it includes');
  }
  if (sensitiveSincePreviousYear !== null && sensitiveSincePreviousYear < sensitive) {
    throw fail.validation('sensitiveSincePreviousYear cannot be below the current-year sensitive count it includes');
  }
  if (facts.regime === '2022' && (personalSincePreviousYear === null || sensitiveSincePreviousYear === null)) {
    throw fail.validation('transfers before 2024-03-22 need personalSincePreviousYear and sensitiveSincePreviousYear', {
      fields: ['data.personalSincePreviousYear', 'data.sensitiveSincePreviousYear'],
    });
  }
}

/** Validates a Scenario (schema, calendar date, regime, count consistency) → Facts, or VALIDATION_FAILED. */
export function toFacts(input: unknown): Facts {
  const scenario = validateShape(input);
  const date = chinaDate(scenario.date);
  const { data } = scenario;
  const facts: Facts = {
    date,
    year: Number(date.slice(0, 4)),
    regime: regimeFor(date),
    ciio: scenario.exporter.ciio,
    ftz: scenario.exporter.ftz ?? null,
    scenario: scenario.scenario,
    modality: scenario.modality ?? null,
    legalBasis: scenario.legalBasis ?? null,
    personal: data.personal,
    sensitive: data.sensitive,
    important: data.important,
    core: data.core,
    personalSincePreviousYear: data.personalSincePreviousYear ?? null,
    sensitiveSincePreviousYear: data.sensitiveSincePreviousYear ?? null,
    processedPersons: data.processedPersons ?? null,
    carriesPersonal:
      scenario.scenario !== 'trade_no_pi' && (PI_SCENARIOS.has(scenario.scenario) || data.personal > 0 || data.sensitive > 0),
  };
  checkCounts(facts);
  return facts;
}
