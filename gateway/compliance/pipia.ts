import { inline, list, table } from './markdown.ts';
import type { Assessment, LegalBasis, ScenarioKind } from './scenario.ts';
import type { FieldCategory } from './transfer-facts.ts';

/** The parts of a usage contract (SURFACE.md) the draft reads. */
export interface PipiaContract {
  id: string;
  purposes: string[];
  legalBasis: LegalBasis;
  scenario?: ScenarioKind | null;
  fields: Record<string, { transform: string }>;
  validFrom?: string | null;
  validUntil: string;
  retentionDays: number;
  onwardTransfer: boolean;
  destination: { country: string; location: string };
  maxRecordsPerTransfer?: number | null;
}

export interface PipiaDataset {
  id: string;
  name: string;
  fields: Array<{ name: string; type: string; category?: FieldCategory | null; subject?: boolean }>;
  records?: number | null;
}

export interface PipiaRecipient {
  id: string;
  name: string;
  jurisdiction: string;
  contact?: string | null;
}

export interface PipiaOptions {
  exporter?: { name: string; contact?: string | null };
  /** The assessment of the export, to state the mechanism and duties. */
  assessment?: Assessment;
  /** Preparation date; defaults to today. */
  date?: string;
}

/** What the recipient receives under each transform (SURFACE.md, Transforms). */
const LEAVES_AS: Record<string, string> = {
  keep: 'the value in clear',
  nullify: 'nothing (null)',
  shuffle: 'real values permuted across the rows of a transfer',
  mask: 'the value partly masked',
  truncate: 'a prefix of the value',
  replace: 'a substituted value',
  generalize: 'a range or coarser date',
  hash: 'a keyed hash (pseudonymous, still PI)',
  simulate: 'a realistic fake value',
  encrypt: 'ciphertext decryptable only through the KMS',
  tokenize: 'a reversible token (pseudonymous, still PI)',
  aggregate: 'nothing per record: only aggregates over at least minGroupSize persons',
};

/** Destination notes from REGULATION.md §10, for the foreign-law section. */
const DESTINATION_NOTES: Record<string, string> = {
  EU: 'EU: adequacy, else SCCs or BCRs govern onward flows from the EU side.',
  SG: 'Singapore: consent, necessity and purpose limitation.',
  JP: 'Japan: consent is the rule.',
  KR: 'Korea: consent, certification or adequacy.',
  US: 'United States: the 2025 DOJ rule restricts bulk US sensitive personal data and government-related data flowing to China.',
};

const EU = new Set(['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE']);

const OWNER_COMPLETES = '_To be completed by the data owner._';

/**
 * A PI protection impact assessment draft (R-DUTY-PIPIA; PIPL arts. 55–56 and the items the
 * Standard Contract Measures require) pre-filled from the contract, the dataset and the recipient,
 * with every judgement left for the owner to complete.
 */
export function pipiaDraft(contract: PipiaContract, dataset: PipiaDataset, recipient: PipiaRecipient, options: PipiaOptions = {}): string {
  const date = options.date ?? new Date().toISOString().slice(0, 10);
  const byName = new Map(dataset.fields.map((f) => [f.name, f]));
  const exported = Object.entries(contract.fields).map(([name, spec]) => ({ name, transform: spec.transform, field: byName.get(name) }));
  const withheld = dataset.fields.filter((f) => !(f.name in contract.fields)).map((f) => f.name);
  const ofCategory = (c: FieldCategory) => exported.filter((e) => e.field?.category === c).map((e) => e.name);
  const sensitive = ofCategory('sensitive');
  const core = ofCategory('core');
  const important = ofCategory('important');
  const inClear = exported.filter((e) => e.transform === 'keep' && e.field?.category && e.field.category !== 'general').map((e) => e.name);
  const jurisdiction = EU.has(recipient.jurisdiction) ? 'EU' : recipient.jurisdiction;
  const a = options.assessment;

  return [
    '# Personal information protection impact assessment — DRAFT',
    table(
      ['Item', 'Value'],
      [
        ['Contract', contract.id],
        ['Dataset', `${dataset.name} (${dataset.id})`],
        ['Exporter', options.exporter ? `${options.exporter.name}${options.exporter.contact ? `, ${options.exporter.contact}` : ''}` : null],
        ['Overseas recipient', `${recipient.name} (${recipient.id}), ${recipient.jurisdiction}${recipient.contact ? `, ${recipient.contact}` : ''}`],
        ['Destination', `${contract.destination.country}, ${contract.destination.location}`],
        ['Prepared', date],
      ],
    ),
    '_Drafted by Sluice from the contract terms (R-DUTY-PIPIA). Complete every section before the first export; for a standard-contract filing the assessment must be completed within 3 months before filing. Keep it for at least 3 years (R-DUTY-RECORDS)._',
    '## 1. Purpose, scope and method: legality, legitimacy and necessity',
    list([
      `Purposes: ${contract.purposes.join('; ')}`,
      `Legal basis: ${contract.legalBasis}${contract.legalBasis === 'consent' ? ' — separate consent is required (R-DUTY-CONSENT)' : ''}`,
      `Scenario: ${contract.scenario ?? 'general'}`,
      `Valid ${contract.validFrom ?? 'from approval'} until ${contract.validUntil}; at most ${contract.maxRecordsPerTransfer ?? 'no set number of'} records per transfer; the dataset holds ${dataset.records ?? 'an unstated number of'} records`,
    ]),
    table(
      ['Field', 'Type', 'Category', 'Transform', 'The recipient receives'],
      exported.map((e) => [e.name, e.field?.type ?? 'not in dataset', e.field?.category ?? 'unclassified', e.transform, LEAVES_AS[e.transform] ?? e.transform]),
    ),
    `Fields that never leave: ${inline(withheld.join(', ') || 'none')}.`,
    `Necessity of each field for each purpose: ${OWNER_COMPLETES}`,
    '## 2. Volume, scope, types and sensitivity of the PI exported',
    list([
      `Subject field (de-duplicated counting): ${dataset.fields.find((f) => f.subject)?.name ?? 'none declared'}`,
      `Sensitive PI fields: ${sensitive.join(', ') || 'none'}${sensitive.length ? ' — sensitive PI (PIPL art. 28) needs separate consent and heightened protection' : ''}`,
      `Important data fields: ${important.join(', ') || 'none'}${important.length ? ' — notified important data needs a security assessment (R-SA1/R-SA2)' : ''}`,
      `Core data fields: ${core.join(', ') || 'none'}${core.length ? ' — core data must not leave the country (R-CORE); remove these fields' : ''}`,
      `PI fields sent in clear: ${inClear.join(', ') || 'none'}`,
    ]),
    `Risks the export itself creates: ${OWNER_COMPLETES}`,
    '## 3. Legal mechanism',
    a
      ? list([`Mechanism: ${a.mechanism} (${a.regime} regime)`, `Deciding rules: ${a.rules.join(', ') || 'none'}`, `Duties: ${a.duties.join(', ') || 'none'}`])
      : 'Run `sluice assess` (or `POST /v1/compliance/assess`) on this export and record the result here.',
    '## 4. The recipient: commitments, measures and capability',
    list([
      `Overseas retention: ${contract.retentionDays} days`,
      `Onward transfer: ${contract.onwardTransfer ? 'allowed under agreed conditions, with notice and (for consent) separate consent (R-DUTY-ONWARD)' : 'not allowed'}`,
    ]),
    `The recipient's technical and organisational measures, and its record on data protection: ${OWNER_COMPLETES}`,
    '## 5. Risks after export: leak, damage, tampering, abuse',
    OWNER_COMPLETES,
    "## 6. The destination's data protection law and policy",
    `${DESTINATION_NOTES[jurisdiction] ?? `No note is kept for ${inline(recipient.jurisdiction)}.`} Effect on performing the contract, including access by foreign authorities (R-DUTY-FOREIGN-AUTH): ${OWNER_COMPLETES}`,
    "## 7. Individuals' rights",
    `How individuals are told the recipient's name and contact, purpose, method, PI types and retention, and how they exercise their rights against the recipient (R-DUTY-NOTICE): ${OWNER_COMPLETES}`,
    '## 8. Protective measures and whether they are lawful, effective and proportionate',
    `Transforms above, encryption of packages to the recipient's key, ledger receipts for every transfer (R-DUTY-SHOW). Further measures: ${OWNER_COMPLETES}`,
    '## 9. Conclusion',
    `${OWNER_COMPLETES} Signed: ____________ Date: ____________`,
  ].join('\n\n') + '\n';
}
