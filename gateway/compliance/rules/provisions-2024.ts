import type { Facts } from '../facts.ts';
import type { ScenarioKind } from '../scenario.ts';
import { defineRule, formatCount, type Rule } from './rule.ts';

/**
 * The 2024 Provisions (in force 2024-03-22) and the Network Data Security Management
 * Regulations' statutory-duty exemption (R-EX7, from 2025-01-01).
 */

const SA = 'security_assessment' as const;
const SC = 'standard_contract_or_certification' as const;

const PI_BAR = 100_000;
const PI_SA_BAR = 1_000_000;
const SENSITIVE_SA_BAR = 10_000;

/** A scenario exemption: its scenario, and no important data in the transfer. */
function scenarioExemption(id: string, scenario: ScenarioKind, reason: string, importantNote: string): Rule {
  return defineRule(id, (f) => {
    if (f.scenario !== scenario || f.important) return null;
    return { mechanism: 'none', reason: `${reason}; ${importantNote}` };
  });
}

export const rEx1 = scenarioExemption('R-EX1', 'trade_no_pi', 'trade, transport, academic, manufacturing or marketing data without PI', 'no important data is included');
export const rEx2 = scenarioExemption('R-EX2', 'foreign_origin', 'PI collected abroad and sent back after processing in China', 'no domestic PI or important data was introduced');
export const rEx3 = scenarioExemption('R-EX3', 'contract_with_individual', 'necessary to conclude or perform a contract with the individual', 'no important data is included');
export const rEx4 = scenarioExemption('R-EX4', 'hr', 'cross-border HR management of employees', 'no important data is included');
export const rEx5 = scenarioExemption('R-EX5', 'emergency', "necessary to protect a natural person's life, health or property", 'no important data is included');
export const rEx7 = scenarioExemption('R-EX7', 'statutory_duty', 'necessary to perform statutory duties or obligations', 'no important data is included');

/** Exemptions that depend on the scenario alone; any of them makes the transfer need no mechanism. */
export const SCENARIO_EXEMPTIONS: readonly Rule[] = [rEx1, rEx2, rEx3, rEx4, rEx5, rEx7];

/** The scenarios R-EX-IMP names (R-EX3 … R-EX5; R-EX6 is volume-based, see `rExImpVolume`). */
const EX_IMP_SCENARIOS: ReadonlySet<ScenarioKind> = new Set(['contract_with_individual', 'hr', 'emergency']);

function ex6Volume(f: Facts): boolean {
  return !f.ciio && f.carriesPersonal && f.personal < PI_BAR && f.sensitive === 0;
}

export const rExImp = defineRule('R-EX-IMP', (f) => {
  if (!f.important || !EX_IMP_SCENARIOS.has(f.scenario)) return null;
  return { mechanism: SA, reason: 'the scenario exemption does not cover data notified or designated as important' };
});

/** R-EX-IMP's R-EX6 limb: only where the national volume rules are the ones in play. */
export const rExImpVolume = defineRule('R-EX-IMP', (f) => {
  if (!f.important || !ex6Volume(f)) return null;
  return { mechanism: SA, reason: 'the small-volume exemption (R-EX6) does not cover data notified or designated as important' };
});

export const rImpNotified = defineRule('R-IMP-NOTIFIED', (f) =>
  f.important ? { mechanism: SA, reason: 'the data has been notified or publicly designated as important data' } : null,
);

export const rSa1 = defineRule('R-SA1', (f) => {
  if (!f.ciio || !(f.carriesPersonal || f.important)) return null;
  return { mechanism: SA, reason: `the exporter is a CIIO providing ${f.important ? 'important data' : 'PI'} abroad` };
});

export const rSa2 = defineRule('R-SA2', (f) =>
  !f.ciio && f.important ? { mechanism: SA, reason: 'a non-CIIO provides important data abroad' } : null,
);

/** The national PI-volume rules (R-EX6, R-SA3, R-SA4, R-SC1, R-SC2), cumulative per exporter (R-NO-SPLIT). */
export const rEx6 = defineRule('R-EX6', (f) => {
  if (f.important || !ex6Volume(f)) return null;
  return { mechanism: 'none', reason: `a non-CIIO has provided PI of ${formatCount(f.personal)} persons since 1 January (under 100,000) and no sensitive PI` };
});

export const rSa3 = defineRule('R-SA3', (f) => {
  if (f.ciio || !f.carriesPersonal || f.personal < PI_SA_BAR) return null;
  return { mechanism: SA, reason: `PI of ${formatCount(f.personal)} persons since 1 January reaches 1,000,000` };
});

export const rSa4 = defineRule('R-SA4', (f) => {
  if (f.ciio || !f.carriesPersonal || f.sensitive < SENSITIVE_SA_BAR) return null;
  return { mechanism: SA, reason: `sensitive PI of ${formatCount(f.sensitive)} persons since 1 January reaches 10,000` };
});

export const rSc1 = defineRule('R-SC1', (f) => {
  if (f.ciio || !f.carriesPersonal || f.personal < PI_BAR || f.personal >= PI_SA_BAR) return null;
  return { mechanism: SC, reason: `PI of ${formatCount(f.personal)} persons since 1 January is within 100,000 … 999,999` };
});

export const rSc2 = defineRule('R-SC2', (f) => {
  if (f.ciio || !f.carriesPersonal || f.sensitive < 1 || f.sensitive >= SENSITIVE_SA_BAR) return null;
  return { mechanism: SC, reason: `sensitive PI of ${formatCount(f.sensitive)} persons since 1 January is within 1 … 9,999` };
});

/** Rules that apply to every non-exempt transfer under the 2024 regime. */
export const DATA_RULES: readonly Rule[] = [rExImp, rSa1, rSa2, rImpNotified];

export const NATIONAL_VOLUME_RULES: readonly Rule[] = [rExImpVolume, rEx6, rSa3, rSa4, rSc1, rSc2];
