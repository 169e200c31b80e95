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
  const structured: EntitySpan[] = [];
  findStructured(text, options.today ?? todayOf(), structured);
  const addresses: EntitySpan[] = [];
  findAddresses(text, addresses);
  const spans = addresses.length === 0 ? structured : merge(structured, addresses.filter((a) => !overlapsAny(a, structured)));
  const organisations = findOrganisations(text);
  // Found from their suffixes, so one reaching further back may come second.
  if (organisations.length > 1) organisations.sort((a, b) => a.start - b.start);
  const names: EntitySpan[] = [];
  findNames(text, organisations.length === 0 ? spans : merge(spans, organisations), names);
  const all = names.length === 0 ? spans : merge(spans, names);
  const kinds = options.kinds ?? ALL;
  return kinds === ALL ? all : all.filter((s) => kinds.has(s.kind));
}

function overlapsAny(span: EntitySpan, spans: readonly EntitySpan[]): boolean {
  for (const s of spans) if (s.start < span.end && span.start < s.end) return true;
  return false;
}

/** Two lists sorted by start as one (the scanner's lists are short and already in order: no sort needed). */
function merge<T extends { start: number }>(a: readonly T[], b: readonly T[]): T[] {
  if (b.length === 0) return a as T[];
  if (a.length === 0) return b as T[];
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.start <= b[j]!.start ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
