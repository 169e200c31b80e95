/** Compliance engine: rules, subject counting over the subject store (./store/), filings and reports (docs/COMPLIANCE.md). */
export { assess, countsTowardThresholds } from './assess.ts';
export { chinaDate } from './facts.ts';
export { scenarioSchema, assessmentSchema } from './schemas.ts';
export type { Assessment, Ftz, LegalBasis, Mechanism, Modality, Regime, Scenario, ScenarioKind } from './scenario.ts';
export { FTZS, LEGAL_BASES, MECHANISMS, MODALITIES, SCENARIO_KINDS } from './scenario.ts';
export { RULES, type RuleMeta, type RuleSource } from './rules/catalog.ts';
export { NEGATIVE_LISTS, type ListField, type ListThreshold, type NegativeList } from './lists/index.ts';
export { complianceMigrations } from './migrations.ts';
export { SubjectSet, SUBJECT_BYTES, type ComplianceDatabase } from './store/index.ts';
export type { ComplianceTables } from './tables.ts';
export { SubjectCounter, type CommitResult, type SubjectBatch, type SubjectCounterOptions, type SubjectCounts } from './subject-counter.ts';
export { FilingsStore, filingSchema, FILING_MECHANISMS, type Filing, type FilingInput, type FilingMechanism, type FilingStatus } from './filings.ts';
export { complianceStatus, type ComplianceStatus, type ExporterProfile } from './status.ts';
export type { EgressFact, FactQuery, FieldCategory, ReportedEvent, TransferFact, TransferFactSource } from './transfer-facts.ts';
export { annualReport, type AnnualReport, type ExporterAnnualReport } from './annual-report.ts';
export { renderAnnualReportMarkdown } from './annual-report-markdown.ts';
export { pipiaDraft, type PipiaContract, type PipiaDataset, type PipiaOptions, type PipiaRecipient } from './pipia.ts';
