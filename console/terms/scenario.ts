import type { ComplianceStatusInfo, ContractTerms, DatasetFieldInfo } from './types.ts';

/** Transforms after which nothing of a person's value reaches the recipient (as the gateway counts). */
const WITHHOLDS_VALUE = new Set(['nullify', 'aggregate']);

/**
 * The compliance Scenario (SURFACE.md) of a transfer of the whole dataset under these terms, as
 * the gateway will assess it: this year's persons so far plus, when personal or sensitive
 * fields leave, every record of the dataset counted as a new person (the upper bound: the
 * gateway de-duplicates by subject). What the console and `sluice contract show` send to
 * `POST /v1/compliance/assess` to name the legal mechanism before the owner signs.
 */
export function exportScenario(
  terms: ContractTerms,
  fields: readonly DatasetFieldInfo[],
  exporter: { ciio: boolean; ftz: string | null },
  status: Pick<ComplianceStatusInfo, 'personal' | 'sensitive'>,
  records: number,
  date: string,
): Record<string, unknown> {
  const categoryOf = (name: string) => fields.find((f) => f.name === name)?.category;
  const listed = Object.entries(terms.fields ?? {});
  const carried = listed.filter(([, policy]) => !WITHHOLDS_VALUE.has(policy.transform)).map(([name]) => categoryOf(name));
  return {
    date,
    exporter: { ciio: exporter.ciio, ftz: exporter.ftz },
    scenario: terms.scenario,
    modality: terms.modality ?? null,
    legalBasis: terms.legalBasis,
    data: {
      personal: status.personal + (carried.includes('personal') ? records : 0),
      sensitive: status.sensitive + (carried.includes('sensitive') ? records : 0),
      important: carried.includes('important'),
      core: listed.some(([name]) => categoryOf(name) === 'core'),
      personalSincePreviousYear: null,
      sensitiveSincePreviousYear: null,
      processedPersons: null,
    },
  };
}
