import type { Facts } from '../facts.ts';
import type { ListField, ListThreshold, NegativeList } from '../lists/index.ts';
import type { Ftz } from '../scenario.ts';
import { formatCount, type Finding } from './rule.ts';

/** How an FTZ negative list bears on a transfer (R-FTZ-SCOPE, R-FTZ-TJ). */
export type ListUse =
  /** No list is used; the national rules apply. `note` says why when a list was in view. */
  | { kind: 'national'; note: string | null }
  /** The transfer falls in a list field whose figures or important-data items decide. */
  | { kind: 'field'; list: NegativeList; field: ListField }
  /** An all-data list is loaded and no item covers the transfer: no mechanism. */
  | { kind: 'outside'; list: NegativeList };

const FTZ_FIELD_SCENARIOS = new Set(['ai_training', 'retail_membership', 'automotive']);

function loaded(field: ListField): boolean {
  return field.thresholds !== 'not-loaded';
}

export function listUse(facts: Facts, lists: Readonly<Record<Ftz, NegativeList>>): ListUse {
  if (facts.ftz === null) {
    const note = FTZ_FIELD_SCENARIOS.has(facts.scenario)
      ? 'The exporter is not registered in a free-trade zone, so no FTZ negative list applies and the national rules decide (R-FTZ-SCOPE).'
      : null;
    return { kind: 'national', note };
  }
  const list = lists[facts.ftz];
  const name = `${list.title} (${list.edition})`;
  if (facts.date < list.inForce) return { kind: 'national', note: `The ${name} is usable only from ${list.inForce}; the national rules decide.` };
  const field = list.fields.find((f) => f.scenarios.includes(facts.scenario));
  if (!field) {
    if (list.scope === 'all-data' && list.fields.some(loaded)) return { kind: 'outside', list };
    return { kind: 'national', note: `The ${name} names no field covering the '${facts.scenario}' scenario, so the national rules apply unchanged (R-FTZ-SCOPE).` };
  }
  if (!loaded(field)) {
    return { kind: 'national', note: `The item-level content of the ${name} for '${field.name}' is not loaded, so the list grants no relief and the national rules apply.` };
  }
  return { kind: 'field', list, field };
}

function thresholdFinding(rule: string, t: ListThreshold, facts: Facts): Finding {
  const value = facts[t.measure];
  const what = `${t.measure === 'sensitive' ? 'sensitive PI' : 'non-sensitive PI'} of ${formatCount(value)} persons since 1 January${t.modalities ? ` (${t.modalities.join('/')} data)` : ''}`;
  if (value >= t.securityAssessmentFrom) {
    return { rule, mechanism: 'security_assessment', reason: `${what} reaches the list's security-assessment figure of ${formatCount(t.securityAssessmentFrom)}` };
  }
  if (value >= t.contractFrom) {
    return {
      rule,
      mechanism: 'standard_contract_or_certification',
      reason: `${what} is within the list's ${formatCount(t.contractFrom)} … ${formatCount(t.securityAssessmentFrom - 1)} band`,
    };
  }
  return { rule, mechanism: 'none', reason: `${what} is below the list's figure of ${formatCount(t.contractFrom)}, so it is outside the list` };
}

/** The findings of a list in use; the national PI-volume rules are replaced only when the field has its own figures. */
export function listFindings(use: ListUse, facts: Facts): Finding[] {
  if (use.kind === 'national') return [];
  const { list } = use;
  if (use.kind === 'outside') {
    return [{ rule: list.scopeRule, mechanism: 'none', reason: `no item of the ${list.title} covers this data, so it needs no mechanism` }];
  }
  const { field } = use;
  const findings: Finding[] = [];
  if (Array.isArray(field.thresholds) && field.rule) {
    const applicable = field.thresholds.filter((t) => !t.modalities || facts.modality === null || t.modalities.includes(facts.modality));
    for (const t of applicable) {
      const finding = thresholdFinding(field.rule, t, facts);
      findings.push(finding, {
        rule: list.scopeRule,
        mechanism: finding.mechanism,
        reason: `the exporter is registered in the FTZ of the ${list.title} and the data falls in its field '${field.name}', so the list's figures replace the national ones`,
      });
    }
  }
  if (field.importantData && facts.important) {
    findings.push({ rule: field.importantData.rule, mechanism: 'security_assessment', reason: `the list treats this field's important data as needing a security assessment` });
  }
  const idRule = list.importantDataRule;
  if (idRule && (facts.personal >= idRule.personalFrom || facts.sensitive >= idRule.sensitiveFrom)) {
    findings.push({
      rule: idRule.rule,
      mechanism: 'security_assessment',
      reason: `PI of ${formatCount(idRule.personalFrom)}+ persons or sensitive PI of ${formatCount(idRule.sensitiveFrom)}+ persons counts as important data`,
    });
  }
  return findings;
}

export function usesNationalVolumeRules(use: ListUse): boolean {
  return use.kind === 'national' || (use.kind === 'field' && use.field.thresholds === 'national');
}

export function modalityNote(use: ListUse, facts: Facts): string | null {
  if (use.kind !== 'field' || facts.modality !== null || !Array.isArray(use.field.thresholds)) return null;
  return use.field.thresholds.some((t) => t.modalities)
    ? 'No modality was given, so every modality’s figures were applied and the strictest result stands.'
    : null;
}
