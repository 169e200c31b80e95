/** The shapes the console and the CLI read from the gateway's JSON (SURFACE.md), as they arrive. */

export type Lang = 'zh' | 'en';

export interface FieldPolicy {
  transform: string;
  [param: string]: unknown;
}

export interface ContractTerms {
  contractId: string;
  datasetId: string;
  ownerId: string;
  recipientId: string;
  purposes: string[];
  legalBasis: string;
  scenario: string;
  modality?: string;
  fields: Record<string, FieldPolicy>;
  validFrom: string;
  validUntil: string;
  retentionDays: number;
  onwardTransfer: boolean;
  destination: { country: string; location: string };
  maxRecordsPerTransfer?: number;
  minK?: number;
  fingerprint?: boolean;
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
