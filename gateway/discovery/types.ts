import type { EntityKind } from './text/kinds.ts';

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
  /** Present and true when the column holds prose (notes, tickets, chats) that no single kind explains. */
  freeText?: boolean;
  /** For free-text columns: per kind found inside the prose, how many values hold it. */
  entities?: Partial<Record<EntityKind, number>>;
}

export interface DiscoveryReport {
  columns: DiscoveredColumn[];
}
