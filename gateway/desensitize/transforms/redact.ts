import { findEntities, today, type EntityKind } from '../../discovery/index.ts';
import { createRedactionTokens } from './redaction-tokens.ts';
import { onText, type ValueTransform } from './values.ts';

export type RedactMode = 'tag' | 'token';

/** Kinds to redact (default: all); token mode takes the `tokenize` transform key. */
export type RedactOptions = { entities?: readonly EntityKind[] } & ({ mode: 'tag' } | { mode: 'token'; tokenizeKey: Uint8Array });

export interface Redaction {
  text: string;
  /** Spans replaced, by kind. */
  counts: Partial<Record<EntityKind, number>>;
  /** The replaced values in text order, for callers that count persons by keyed hash; never logged or stored. */
  values: { kind: EntityKind; value: string }[];
}

export interface Redactor {
  /** Free text with each personal-data span replaced by `[KIND]` (tag) or its keyed token. */
  redact(text: string): string;
  /** The same, with what was replaced. */
  redactWithDetails(text: string): Redaction;
}

/**
 * The `redact` engine: the free-text scanner finds the spans, and each span is replaced in
 * place; the text around it is left exactly as it was.
 */
export function createRedactor(options: RedactOptions): Redactor {
  const kinds = options.entities === undefined ? undefined : new Set(options.entities);
  const tokens = options.mode === 'token' ? createRedactionTokens(options.tokenizeKey) : undefined;
  const tags = new Map<EntityKind, string>();
  const replacement = (kind: EntityKind, value: string): string => {
    if (tokens !== undefined) return tokens.token(kind, value);
    let tag = tags.get(kind);
    if (tag === undefined) tags.set(kind, (tag = `[${kind.toUpperCase()}]`));
    return tag;
  };
  // One date per engine: resident IDs born after the day it was built are refused.
  const scan = { today: today(), ...(kinds ? { kinds } : {}) };

  const run = (text: string, details: Redaction | undefined): string => {
    const spans = findEntities(text, scan);
    if (spans.length === 0) return text;
    let out = '';
    let at = 0;
    for (const { kind, start, end } of spans) {
      const value = text.slice(start, end);
      out += text.slice(at, start) + replacement(kind, value);
      at = end;
      if (details) {
        details.counts[kind] = (details.counts[kind] ?? 0) + 1;
        details.values.push({ kind, value });
      }
    }
    return out + text.slice(at);
  };

  return {
    redact: (text) => run(text, undefined),
    redactWithDetails(text) {
      const details: Redaction = { text: '', counts: {}, values: [] };
      details.text = run(text, details);
      return details;
    },
  };
}

/** The `redact` transform of a field: strings, numbers and dates as their text; other values are unusable. */
export function createRedact(options: RedactOptions): ValueTransform {
  const redactor = createRedactor(options);
  return onText((text) => redactor.redact(text));
}
