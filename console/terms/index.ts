export { contractText, categoryWords, describeContract, describeTransform, mechanismWords, type FieldLine, type PlainContract, type TermLine } from './plain-words.ts';
export { exportScenario } from './scenario.ts';
export { say } from './words.ts';
export type { Assessment, ComplianceStatusInfo, ContractTerms, DatasetFieldInfo, FieldPolicy, Lang } from './types.ts';
