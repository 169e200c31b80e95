import type { Facts } from '../facts.ts';
import type { LegalBasis, Mechanism, ScenarioKind } from '../scenario.ts';

/** The R-DUTY-* rules, in REGULATION.md order. */
const PI_DUTIES = [
  'R-DUTY-NOTICE',
  'R-DUTY-CONSENT',
  'R-DUTY-PIPIA',
  'R-DUTY-RECORDS',
  'R-DUTY-SCOPE',
  'R-DUTY-ONWARD',
  'R-DUTY-FOREIGN-AUTH',
  'R-DUTY-SHOW',
] as const;

/** The duties whose text reaches important data as well as PI. */
const IMPORTANT_DATA_DUTIES = ['R-DUTY-RECORDS', 'R-DUTY-SCOPE', 'R-DUTY-FOREIGN-AUTH', 'R-DUTY-SHOW'] as const;

/** The legal basis a scenario implies when none is declared. */
const IMPLIED_BASIS: Partial<Record<ScenarioKind, LegalBasis>> = {
  contract_with_individual: 'contract',
  hr: 'hr',
  emergency: 'emergency',
  statutory_duty: 'statutory',
};

export interface DutyOutcome {
  duties: string[];
  note: string | null;
}

/**
 * Exemptions never remove these duties; a prohibited transfer has none because nothing may leave.
 * Without a declared basis we assume consent (PIPL art. 13's default) unless the scenario implies
 * another basis: omitting a needed separate consent is the commonest reason assessments fail.
 */
export function dutiesFor(facts: Facts, mechanism: Mechanism): DutyOutcome {
  if (mechanism === 'prohibited') return { duties: [], note: null };
  if (!facts.carriesPersonal) return { duties: facts.important ? [...IMPORTANT_DATA_DUTIES] : [], note: null };
  const basis = facts.legalBasis ?? IMPLIED_BASIS[facts.scenario] ?? null;
  const consent = basis === null || basis === 'consent';
  const duties = PI_DUTIES.filter((d) => d !== 'R-DUTY-CONSENT' || consent);
  let note: string | null = null;
  if (basis === null) note = 'No legal basis was declared, so consent is assumed and separate consent (R-DUTY-CONSENT) is listed.';
  else if (basis === 'contract') note = 'Consent is not needed for what the contract with the individual requires, but any use beyond it (e.g. marketing) needs separate consent (R-DUTY-CONSENT).';
  return { duties, note };
}
