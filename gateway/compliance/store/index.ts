/**
 * The subject store: sets of distinct keyed subject hashes per exporter, year and category, in
 * the gateway's database (docs/COMPLIANCE.md, "Counting store"). It knows nothing of the rules;
 * the compliance engine decides what to count, and where.
 */
export type { ComplianceDatabase } from './database.ts';
export { createSubjectStore, type Bucket, type HeldSubjects, type SubjectStore, type SubjectStoreOptions } from './subject-store.ts';
export { SubjectSet, SUBJECT_BYTES } from './subject-set.ts';
export type { SubjectCategory, SubjectStoreTables } from './tables.ts';
