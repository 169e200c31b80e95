export type DetectedKind =
  | 'cn_resident_id'
  | 'cn_mobile'
  | 'bank_card'
  | 'email'
  | 'passport'
  | 'uscc'
  | 'ip'
  | 'name'
  | 'address'
  | 'date_of_birth'
  | 'none';

/** The categories discovery assigns; `important` and `core` are designations, never inferred from content. */
export type DiscoveredCategory = 'general' | 'personal' | 'sensitive';

export interface DiscoveredColumn {
  name: string;
  detected: DetectedKind;
  category: DiscoveredCategory;
  /** 0..1: share of non-empty values that validate, adjusted by the header hint. */
  confidence: number;
  /** Values that validate as `detected` (0 for `none`). */
  matches: number;
  /** Rows examined, empty values included. */
  rows: number;
}

export interface DiscoveryReport {
  columns: DiscoveredColumn[];
}
