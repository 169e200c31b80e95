import { today as todayOf, type CalendarDate } from '../pii/dates.ts';
import { findAddresses } from './addresses.ts';
import { ENTITY_KINDS, type EntityKind, type EntitySpan } from './kinds.ts';
import { findNames } from './names.ts';
import { findOrganisations } from './orgs.ts';
import { findStructured } from './structured.ts';

export interface ScanOptions {
  /** Kinds to report (default: all). Detection always runs in full so one kind's span is never mistaken for another's. */
  kinds?: ReadonlySet<EntityKind>;
  /** The date resident-ID birth dates must not pass (default: today, UTC). */
  today?: CalendarDate;
}

const ALL: ReadonlySet<EntityKind> = new Set(ENTITY_KINDS);

/**
 * Personal data inside free text, as non-overlapping spans in text order. Identifiers with a
 * shape and a check (resident IDs, cards, mobiles…) claim their spans first, then addresses,
 * then names outside both and outside organisation names.
 */
export function findEntities(text: string, options: ScanOptions = {}): EntitySpan[] {
  const spans: EntitySpan[] = [];
  findStructured(text, options.today ?? todayOf(), spans);
  const addresses: EntitySpan[] = [];
  findAddresses(text, addresses);
  for (const a of addresses) if (!overlapsAny(a, spans)) spans.push(a);
  spans.sort((a, b) => a.start - b.start);
  const organisations = findOrganisations(text);
  const taken = organisations.length === 0 ? spans : [...spans, ...organisations].sort((a, b) => a.start - b.start);
  const names: EntitySpan[] = [];
  findNames(text, taken, names);
  const all = names.length === 0 ? spans : [...spans, ...names].sort((a, b) => a.start - b.start);
  const kinds = options.kinds ?? ALL;
  return kinds === ALL ? all : all.filter((s) => kinds.has(s.kind));
}

function overlapsAny(span: EntitySpan, spans: readonly EntitySpan[]): boolean {
  for (const s of spans) if (s.start < span.end && span.start < s.end) return true;
  return false;
}
