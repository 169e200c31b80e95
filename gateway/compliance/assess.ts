import { toFacts, type Facts } from './facts.ts';
import { NEGATIVE_LISTS, type NegativeList } from './lists/index.ts';
import { NETWORK_DATA_REGULATIONS_FROM, STANDARD_CONTRACT_MEASURES_FROM, orderRuleIds } from './rules/catalog.ts';
import { rCore } from './rules/core.ts';
import { dutiesFor } from './rules/duties.ts';
import { listFindings, listUse, modalityNote, usesNationalVolumeRules } from './rules/ftz.ts';
import { rOldSa, rOldSc } from './rules/measures-2022.ts';
import { DATA_RULES, NATIONAL_VOLUME_RULES, SCENARIO_EXEMPTIONS } from './rules/provisions-2024.ts';
import type { Finding, Rule } from './rules/rule.ts';
import { stricter, type Assessment, type Ftz, type Mechanism, type Scenario } from './scenario.ts';

interface Evaluation {
  findings: Finding[];
  notes: string[];
  exempt: boolean;
}

function applyAll(rules: readonly Rule[], facts: Facts): Finding[] {
  return rules.flatMap((rule) => rule.apply(facts) ?? []);
}

/** The scenario exemption (R-EX1 … R-EX5, R-EX7) that covers this transfer, if any. */
export function scenarioExemption(facts: Facts): Finding | null {
  if (facts.regime !== '2024' || facts.core) return null;
  return applyAll(SCENARIO_EXEMPTIONS, facts)[0] ?? null;
}

const NOT_WITH_IMPORTANT: Partial<Record<Facts['scenario'], string>> = {
  trade_no_pi: 'R-EX1',
  foreign_origin: 'R-EX2',
  statutory_duty: 'R-EX7',
};

function evaluate2024(facts: Facts, lists: Readonly<Record<Ftz, NegativeList>>): Evaluation {
  const exemption = scenarioExemption(facts);
  if (exemption) return { findings: [exemption], notes: [], exempt: true };
  const notes: string[] = [];
  if (facts.scenario === 'statutory_duty' && facts.date < NETWORK_DATA_REGULATIONS_FROM) {
    notes.push(`R-EX7 (statutory duties) is in force only from ${NETWORK_DATA_REGULATIONS_FROM}, so this transfer is judged by the general rules.`);
  } else if (facts.important && NOT_WITH_IMPORTANT[facts.scenario]) {
    notes.push(`${NOT_WITH_IMPORTANT[facts.scenario]} does not extend to important data, which needs a security assessment.`);
  }
  const use = listUse(facts, lists);
  for (const note of [use.kind === 'national' ? use.note : null, modalityNote(use, facts)]) if (note) notes.push(note);
  const findings = [...applyAll(DATA_RULES, facts), ...listFindings(use, facts)];
  if (usesNationalVolumeRules(use)) findings.push(...applyAll(NATIONAL_VOLUME_RULES, facts));
  return { findings, notes, exempt: false };
}

function evaluate2022(facts: Facts): Evaluation {
  const notes: string[] = [];
  if (facts.scenario !== 'general' && facts.scenario !== 'trade_no_pi') {
    notes.push('The scenario exemptions (R-EX1 … R-EX7) and FTZ negative lists came with the 2024 Provisions and do not apply before 2024-03-22.');
  } else if (facts.ftz !== null) {
    notes.push('FTZ negative lists came with the 2024 Provisions and do not apply before 2024-03-22.');
  }
  const findings = [...applyAll([rOldSa], facts)];
  if (findings.length === 0) {
    findings.push(...applyAll([rOldSc], facts));
    if (facts.carriesPersonal && !facts.ciio && facts.processedPersons === null) {
      notes.push("processedPersons was not given, so R-OLD-SA's limb for exporters processing PI of 1,000,000 or more persons was not checked.");
    }
    if (facts.carriesPersonal && facts.date < STANDARD_CONTRACT_MEASURES_FROM) {
      notes.push(`The Standard Contract Measures took effect on ${STANDARD_CONTRACT_MEASURES_FROM}; before then this route was open through certification only.`);
    }
  }
  return { findings, notes, exempt: false };
}

function evaluate(facts: Facts, lists: Readonly<Record<Ftz, NegativeList>>): Evaluation {
  const core = rCore.apply(facts);
  if (core) return { findings: [core], notes: [], exempt: false };
  return facts.regime === '2022' ? evaluate2022(facts) : evaluate2024(facts, lists);
}

const REGIME_LABEL = {
  '2022': 'the 2022 regime (Security Assessment Measures and Standard Contract Measures, 2022-09-01 … 2024-03-21)',
  '2024': 'the 2024 regime (Provisions on Promoting and Regulating Cross-Border Data Flows, from 2024-03-22)',
} as const;

const RESULT: Record<Mechanism, string> = {
  none: 'No legal mechanism is needed.',
  standard_contract_or_certification: 'Result: a standard contract filed with the provincial CAC, or PI protection certification.',
  security_assessment: 'Result: a CAC security assessment.',
  prohibited: 'Result: prohibited — the data must not leave the country.',
};

function explain(facts: Facts, deciding: Finding[], mechanism: Mechanism, evaluation: Evaluation, duties: string[], dutyNote: string | null): string {
  const parts = [`Judged under ${REGIME_LABEL[facts.regime]} for a transfer dated ${facts.date}.`];
  const seen = new Set<string>();
  for (const f of deciding) {
    const line = `${f.rule}: ${f.reason}.`;
    if (!seen.has(line)) parts.push(line);
    seen.add(line);
  }
  if (deciding.length === 0) parts.push('Neither personal information nor important data leaves, so the outbound rules are not engaged.');
  parts.push(RESULT[mechanism], ...evaluation.notes);
  if (duties.length > 0) {
    parts.push(`Duties that apply whatever the mechanism: ${duties.join(', ')}.`);
    if (dutyNote) parts.push(dutyNote);
  }
  if (evaluation.exempt) parts.push('Exemptions never remove these duties, and PI exported under this exemption is not added to the cumulative counts (R-EX-COUNT).');
  return parts.join(' ');
}

/** `assess` over explicit negative lists, so list data can be exercised in tests. */
export function assessWithLists(input: Scenario, lists: Readonly<Record<Ftz, NegativeList>>): Assessment {
  const facts = toFacts(input);
  const evaluation = evaluate(facts, lists);
  const mechanism = evaluation.findings.reduce<Mechanism>((m, f) => stricter(m, f.mechanism), 'none');
  const deciding = evaluation.findings.filter((f) => f.mechanism === mechanism);
  const { duties, note } = dutiesFor(facts, mechanism);
  return {
    mechanism,
    regime: facts.regime,
    rules: orderRuleIds(deciding.map((f) => f.rule)),
    duties,
    explanation: explain(facts, deciding, mechanism, evaluation, duties, note),
  };
}

/**
 * The legal mechanism a transfer needs under the rules in force on its date (REGULATION.md).
 * Validates the Scenario first: bad input → SluiceError VALIDATION_FAILED.
 */
export function assess(scenario: Scenario): Assessment {
  return assessWithLists(scenario, NEGATIVE_LISTS);
}

/**
 * R-EX-COUNT: whether a transfer's subjects join the exporter's cumulative counts. Exports under
 * a scenario exemption (R-EX1 … R-EX5, R-EX7) are not counted; everything else is, including
 * R-EX6 exports (that exemption is itself a count) and scenario exports an exemption does not
 * cover because they carry important data.
 */
export function countsTowardThresholds(scenario: Scenario): boolean {
  return scenarioExemption(toFacts(scenario)) === null;
}
