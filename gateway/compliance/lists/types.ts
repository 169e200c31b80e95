import type { Ftz, Modality, ScenarioKind } from '../scenario.ts';

/**
 * An FTZ negative list as rule data (2024 Provisions art. 6). A list is used only by an exporter
 * registered in its FTZ and only from its in-force date.
 */
export interface NegativeList {
  ftz: Ftz;
  title: string;
  edition: string;
  /** China date from which the list may be used. */
  inForce: string;
  /** Where `inForce` comes from, so whoever updates the data can check it. */
  inForceNote: string;
  /**
   * `named-fields` (R-FTZ-SCOPE): the list speaks only for the fields it names; elsewhere the
   * national rules apply unchanged. `all-data` (R-FTZ-TJ): every field is covered, and data
   * matching no item needs no mechanism.
   */
  scope: 'named-fields' | 'all-data';
  /** The id cited when this list decides (R-FTZ-SCOPE or R-FTZ-TJ). */
  scopeRule: string;
  fields: ListField[];
  /** A list-wide important-data identification rule (Beijing's R-FTZ-BJ-IMP-RULE). */
  importantDataRule?: { rule: string; personalFrom: number; sensitiveFrom: number };
}

export interface ListField {
  name: string;
  /** Industries as the list words them (documentation for whoever maps a party's `industry`). */
  industries: string[];
  /** Scenario values that fall within this field. */
  scenarios: ScenarioKind[];
  /** The id cited when this field's thresholds or important-data items decide. */
  rule: string | null;
  /**
   * The field's PI thresholds; `national` when the list keeps the national figures for PI
   * (Beijing automotive); `not-loaded` when the item-level content is not yet in this data, in
   * which case the list grants no relief and the national rules apply.
   */
  thresholds: ListThreshold[] | 'national' | 'not-loaded';
  /** Kinds of data the list designates as important (a security assessment always). */
  importantData?: { rule: string; kinds: string[] };
}

/** Persons counted cumulatively since 1 January of the transfer's year. */
export interface ListThreshold {
  measure: 'personal' | 'sensitive';
  /** Applies only to these AI-data modalities; absent = any. */
  modalities?: Modality[];
  securityAssessmentFrom: number;
  contractFrom: number;
}
