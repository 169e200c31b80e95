/** What the free-text scanner finds inside prose; names shared with column discovery where they overlap. */
export const ENTITY_KINDS = [
  'cn_resident_id',
  'cn_mobile',
  'cn_landline',
  'bank_card',
  'email',
  'passport',
  'licence_plate',
  'uscc',
  'ip',
  'name',
  'address',
] as const;

export type EntityKind = (typeof ENTITY_KINDS)[number];

/** A span of text `[start, end)` (UTF-16 indices) holding one entity. */
export interface EntitySpan {
  kind: EntityKind;
  start: number;
  end: number;
}

/**
 * Categories as column discovery assigns them (REGULATION.md): resident ID, bank card and
 * passport are sensitive; contact and descriptive identifiers personal; a USCC names an
 * organisation, so it is general.
 */
export const ENTITY_CATEGORY: Readonly<Record<EntityKind, 'general' | 'personal' | 'sensitive'>> = {
  cn_resident_id: 'sensitive',
  bank_card: 'sensitive',
  passport: 'sensitive',
  cn_mobile: 'personal',
  cn_landline: 'personal',
  email: 'personal',
  licence_plate: 'personal',
  ip: 'personal',
  name: 'personal',
  address: 'personal',
  uscc: 'general',
};

export function isEntityKind(value: unknown): value is EntityKind {
  return typeof value === 'string' && (ENTITY_KINDS as readonly string[]).includes(value);
}
