import type { LegalBasis, Mechanism, ScenarioKind } from './scenario.ts';

/** Field categories as datasets declare them (SURFACE.md, datasets). */
export type FieldCategory = 'general' | 'personal' | 'sensitive' | 'important' | 'core';

/** What the gateway records about one completed transfer; the reports read nothing else. */
export interface TransferFact {
  transferId: string;
  contractId: string;
  exporter: { id: string; name: string; contact?: string | null };
  recipient: { id: string; name: string; jurisdiction: string; contact?: string | null };
  /** ISO 8601 timestamp of the transfer. */
  date: string;
  purpose: string;
  /** The fields that left, each with its category and the transform applied. */
  fields: Array<{ name: string; category: FieldCategory; transform: string }>;
  records: number;
  /** Distinct persons in this transfer (not de-duplicated across transfers). */
  subjects: number;
  destination: { country: string; location: string };
  retentionDays: number;
  onwardTransfer: boolean;
  mechanism: Mechanism;
  /** Reference of the filing that covered the transfer, if one was needed. */
  filingReference: string | null;
  legalBasis: LegalBasis;
  scenario: ScenarioKind;
  /** Rule ids of the assessment the transfer was released under. */
  rules: string[];
}

/**
 * What the gateway records about one prompt sent to an overseas model (AI egress): the
 * `egress` ledger record's counts and terms, never a value.
 */
export interface EgressFact {
  egressId: string;
  contractId: string;
  exporter: { id: string; name: string; contact?: string | null };
  /** The overseas model provider the contract names. */
  provider: { id: string; name: string; jurisdiction: string; contact?: string | null };
  endpoint: string;
  model: string;
  /** ISO 8601 timestamp of the call. */
  date: string;
  purpose: string;
  /** Spans redacted (sent as tokens), per entity kind. */
  entities: Record<string, number>;
  /** Distinct persons the prompt named, by category of what it said about them. */
  subjects: { personal: number; sensitive: number };
  destination: { country: string; location: string };
  retentionDays: number;
  onwardTransfer: boolean;
  mechanism: Mechanism;
  filingReference: string | null;
  rules: string[];
  /** False when an exemption scenario kept the persons out of the threshold counts (R-EX-COUNT). */
  counted: boolean;
}

/** A user complaint or a data-security incident, with how it was handled. */
export interface ReportedEvent {
  date: string;
  exporterId: string;
  summary: string;
  handling: string;
}

export interface FactQuery {
  /** Absent: every exporter (regulator view). */
  exporterId?: string;
  /** Calendar year of the transfer date (China time). */
  year: number;
}

/** The gateway's view of its own records, implemented over its tables. */
export interface TransferFactSource {
  transfers(query: FactQuery): AsyncIterable<TransferFact>;
  /** Prompts sent to overseas models; omitted when the gateway records none. */
  egress?(query: FactQuery): AsyncIterable<EgressFact>;
  /** Omitted when the gateway records none; the report then shows an empty list. */
  complaints?(query: FactQuery): AsyncIterable<ReportedEvent>;
  incidents?(query: FactQuery): AsyncIterable<ReportedEvent>;
}
