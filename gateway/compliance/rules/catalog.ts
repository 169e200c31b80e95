/**
 * Every rule id of REGULATION.md with its legal source and the dates it is in force. Article
 * numbers beyond what REGULATION.md states are our reading of the instruments; docs/COMPLIANCE.md
 * marks them for legal review. The order here is the order ids are reported in.
 */
export interface RuleSource {
  instrument: string;
  article: string | null;
}

export interface RuleMeta {
  id: string;
  title: string;
  source: RuleSource;
  /** Inclusive China-date bounds; `to: null` means still in force. */
  effective: { from: string; to: string | null };
}

export const INSTRUMENTS = {
  dsl: 'Data Security Law (数据安全法)',
  pipl: 'Personal Information Protection Law (个人信息保护法)',
  gbt43697: 'GB/T 43697-2024 Data security technology — Rules for data classification and grading',
  measures2022: 'Measures for Security Assessment of Outbound Data (数据出境安全评估办法)',
  contractMeasures: 'Measures on the Standard Contract for Outbound Transfer of Personal Information (个人信息出境标准合同办法)',
  provisions2024: 'Provisions on Promoting and Regulating Cross-Border Data Flows (促进和规范数据跨境流动规定)',
  networkDataRegulations: 'Network Data Security Management Regulations (网络数据安全管理条例)',
  beijingList: 'China (Beijing) Pilot FTZ Data Export Management List (Negative List) (2024)',
  beijingMeasures: 'China (Beijing) Pilot FTZ Negative List Management Measures (trial), annex: data classification and grading reference rules',
  tianjinList: 'China (Tianjin) Pilot FTZ Data Export Management List (Negative List) (2024)',
} as const;

/** First day the engine can judge: the 2022 Measures took effect. */
export const REGIME_2022_FROM = '2022-09-01';
export const REGIME_2022_TO = '2024-03-21';
export const REGIME_2024_FROM = '2024-03-22';
export const NETWORK_DATA_REGULATIONS_FROM = '2025-01-01';
export const STANDARD_CONTRACT_MEASURES_FROM = '2023-06-01';
export const BEIJING_LIST_FROM = '2024-08-30';
export const TIANJIN_LIST_FROM = '2024-05-09';

const always = { from: REGIME_2022_FROM, to: null };
const regime2022 = { from: REGIME_2022_FROM, to: REGIME_2022_TO };
const regime2024 = { from: REGIME_2024_FROM, to: null };
const beijing = { from: BEIJING_LIST_FROM, to: null };

function rule(id: string, title: string, instrument: string, article: string | null, effective: RuleMeta['effective']): RuleMeta {
  return { id, title, source: { instrument, article }, effective };
}

const CATALOG: RuleMeta[] = [
  rule('R-CORE', 'core data must not leave the country', `${INSTRUMENTS.dsl}; ${INSTRUMENTS.gbt43697}; Lingang data classification rules`, 'DSL art. 21', always),
  rule('R-IMP-NOTIFIED', 'important data counts only when notified or publicly designated', INSTRUMENTS.provisions2024, 'art. 2', regime2024),
  rule('R-EX1', 'international trade, transport, academic, manufacturing or marketing data without PI or important data', INSTRUMENTS.provisions2024, 'art. 3', regime2024),
  rule('R-EX2', 'PI collected abroad, processed in China and sent back without domestic PI or important data', INSTRUMENTS.provisions2024, 'art. 4', regime2024),
  rule('R-EX3', 'necessary to conclude or perform a contract to which the individual is a party', INSTRUMENTS.provisions2024, 'art. 5(1)', regime2024),
  rule('R-EX4', 'cross-border HR management under lawful labour rules or collective contracts', INSTRUMENTS.provisions2024, 'art. 5(2)', regime2024),
  rule('R-EX5', "emergency: necessary to protect a natural person's life, health or property", INSTRUMENTS.provisions2024, 'art. 5(3)', regime2024),
  rule('R-EX6', 'non-CIIO, fewer than 100,000 persons’ PI since 1 January, no sensitive PI', INSTRUMENTS.provisions2024, 'art. 5(4)', regime2024),
  rule('R-EX7', 'necessary to perform statutory duties or obligations', INSTRUMENTS.networkDataRegulations, 'art. 35', { from: NETWORK_DATA_REGULATIONS_FROM, to: null }),
  rule('R-EX-IMP', 'R-EX3 … R-EX6 do not cover PI notified or designated as important data', INSTRUMENTS.provisions2024, 'art. 5', regime2024),
  rule('R-EX-COUNT', 'PI exported under an exemption scenario is not added to the cumulative counts', INSTRUMENTS.provisions2024, 'arts. 5, 7, 8', regime2024),
  rule('R-SA1', 'a CIIO provides PI or important data abroad', INSTRUMENTS.provisions2024, 'art. 7(1)', regime2024),
  rule('R-SA2', 'a non-CIIO provides important data abroad', INSTRUMENTS.provisions2024, 'art. 7(2)', regime2024),
  rule('R-SA3', 'a non-CIIO provides PI of ≥ 1,000,000 persons (non-sensitive) since 1 January', INSTRUMENTS.provisions2024, 'art. 7(2)', regime2024),
  rule('R-SA4', 'a non-CIIO provides sensitive PI of ≥ 10,000 persons since 1 January', INSTRUMENTS.provisions2024, 'art. 7(2)', regime2024),
  rule('R-SC1', 'a non-CIIO provides PI of 100,000 … 999,999 persons (non-sensitive) since 1 January', INSTRUMENTS.provisions2024, 'art. 8', regime2024),
  rule('R-SC2', 'a non-CIIO provides sensitive PI of 1 … 9,999 persons since 1 January', INSTRUMENTS.provisions2024, 'art. 8', regime2024),
  rule('R-NO-SPLIT', 'volumes must not be split to stay under a bar: counts are per exporter across all transfers', INSTRUMENTS.contractMeasures, 'art. 4', always),
  rule('R-OLD-SA', 'security assessment: CIIO, ≥ 1,000,000 persons processed, ≥ 100,000 persons’ PI or ≥ 10,000 persons’ sensitive PI since 1 January of the previous year, or important data', INSTRUMENTS.measures2022, 'art. 4', regime2022),
  rule('R-OLD-SC', 'any other PI export needs a filed standard contract or certification', `${INSTRUMENTS.pipl}; ${INSTRUMENTS.contractMeasures}`, 'PIPL art. 38; Standard Contract Measures art. 4', regime2022),
  rule('R-FTZ-SCOPE', 'an FTZ negative list applies only to exporters registered there and only to the fields it names', INSTRUMENTS.provisions2024, 'art. 6', regime2024),
  rule('R-FTZ-TJ', "Tianjin's negative list: 13 categories; data outside it needs no mechanism", INSTRUMENTS.tianjinList, null, { from: TIANJIN_LIST_FROM, to: null }),
  rule('R-FTZ-BJ-AI', 'Beijing list, AI training data: sensitive-PI thresholds by modality', INSTRUMENTS.beijingList, 'AI training data', beijing),
  rule('R-FTZ-BJ-AI-IMP', 'Beijing list, important AI training data needs a security assessment', INSTRUMENTS.beijingList, 'AI training data', beijing),
  rule('R-FTZ-BJ-RETAIL', 'Beijing list, retail membership management: member-PI thresholds', INSTRUMENTS.beijingList, 'retail and modern services', beijing),
  rule('R-FTZ-BJ-AUTO', 'Beijing list, automotive: 7 kinds of important data need a security assessment; PI as national rules', INSTRUMENTS.beijingList, 'automotive', beijing),
  rule('R-FTZ-BJ-IMP-RULE', "Beijing's important-data identification rule (≥ 10,000,000 persons' PI or ≥ 1,000,000 persons' sensitive PI)", INSTRUMENTS.beijingMeasures, 'annex', beijing),
  rule('R-DUTY-NOTICE', 'tell individuals recipient, purpose, method, PI types, retention and how to exercise rights', INSTRUMENTS.pipl, 'art. 39', always),
  rule('R-DUTY-CONSENT', 'separate consent when the legal basis is consent', INSTRUMENTS.pipl, 'art. 39', always),
  rule('R-DUTY-PIPIA', 'PI protection impact assessment before export, kept ≥ 3 years', INSTRUMENTS.pipl, 'arts. 55–56', always),
  rule('R-DUTY-RECORDS', 'keep logs and export approval records ≥ 3 years', INSTRUMENTS.pipl, 'art. 56', always),
  rule('R-DUTY-SCOPE', 'never export beyond the assessed purpose, scope, method, types and volume; re-assess on change', INSTRUMENTS.measures2022, 'art. 14', always),
  rule('R-DUTY-ONWARD', 'onward transfer only under agreed conditions, with notice and (for consent) separate consent', INSTRUMENTS.pipl, 'art. 39', always),
  rule('R-DUTY-FOREIGN-AUTH', 'no data stored in China to foreign judicial or law-enforcement bodies without PRC approval', `${INSTRUMENTS.pipl}; ${INSTRUMENTS.dsl}`, 'PIPL art. 41; DSL art. 36', always),
  rule('R-DUTY-SHOW', 'show exported PI and important data to the regulator in clear, readable form', INSTRUMENTS.networkDataRegulations, null, always),
  rule('R-REPORT', 'annual outbound data security report for the previous year', INSTRUMENTS.networkDataRegulations, null, always),
];

export const RULES: ReadonlyMap<string, RuleMeta> = new Map(CATALOG.map((meta) => [meta.id, meta]));

export function ruleMeta(id: string): RuleMeta {
  const meta = RULES.get(id);
  if (!meta) throw new Error(`unknown rule id ${id}`);
  return meta;
}

export function inForce(meta: RuleMeta, date: string): boolean {
  return date >= meta.effective.from && (meta.effective.to === null || date <= meta.effective.to);
}

const ORDER = new Map(CATALOG.map((meta, index) => [meta.id, index]));

/** Distinct ids in catalog order, so reports are stable whatever order rules fired in. */
export function orderRuleIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0));
}
