/** The shapes the console and the CLI read from the gateway's JSON (SURFACE.md), as they arrive. */

export type Lang = 'zh' | 'en';

export interface FieldPolicy {
  transform: string;
  [param: string]: unknown;
}

export interface ContractTerms {
  contractId: string;
  /** `ai_egress` contracts (SURFACE wave 2) cover prompts to a model provider: no dataset, no fields. */
  kind?: string;
  datasetId?: string;
  ownerId: string;
  recipientId: string;
  purposes: string[];
  legalBasis: string;
  scenario: string;
  modality?: string;
  fields?: Record<string, FieldPolicy>;
  /** What an `ai_egress` contract does to prompts. */
  prompts?: FieldPolicy;
  validFrom: string;
  validUntil: string;
  retentionDays: number;
  onwardTransfer: boolean;
  destination: { country: string; location: string };
  maxRecordsPerTransfer?: number;
  minK?: number;
  fingerprint?: boolean;
  /** Release terms for compute jobs on the data (SURFACE wave 2, disclosure control). */
  disclosure?: {
    minGroupSize?: number;
    signedWeights?: boolean;
    dp?: { epsilon: number; budget: number; period: string; rowsPerPerson?: number; bounds?: Record<string, { lower: number; upper: number }> };
  };
  createdAt: string;
}

export interface DatasetFieldInfo {
  name: string;
  type: string;
  category: string;
  categorySource?: string;
  subject?: boolean;
}

export interface ComplianceStatusInfo {
  personal: number;
  sensitive: number;
  filings: Array<{ mechanism: string; reference: string; validFrom: string; validUntil: string }>;
}

export interface Assessment {
  mechanism: string;
  regime: string;
  rules: string[];
  duties: string[];
  explanation: string;
}
