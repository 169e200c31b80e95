/** Compliance engine, counting store, filings and reports (docs/COMPLIANCE.md). */
export { assess, countsTowardThresholds } from './assess.ts';
export { scenarioSchema, assessmentSchema } from './schemas.ts';
export type { Assessment, Ftz, LegalBasis, Mechanism, Modality, Regime, Scenario, ScenarioKind } from './scenario.ts';
export { FTZS, LEGAL_BASES, MECHANISMS, MODALITIES, SCENARIO_KINDS } from './scenario.ts';
export { RULES, type RuleMeta, type RuleSource } from './rules/catalog.ts';
export { NEGATIVE_LISTS, type ListField, type ListThreshold, type NegativeList } from './lists/index.ts';
export { complianceMigrations } from './migrations.ts';
export type { ComplianceDatabase } from './database.ts';
export { SubjectCounter, type CommitResult, type SubjectBatch, type SubjectCounterOptions, type SubjectCounts } from './subject-counter.ts';
