import type { ContractTerms, DatasetFieldInfo, FieldPolicy, Lang } from './types.ts';
import { say } from './words.ts';

/**
 * A contract in plain words, the same in the console and in `sluice contract show`: which fields
 * leave and how each is transformed, which stay, and every other term, in Chinese or English.
 */

export interface FieldLine {
  field: string;
  /** The category's name in words ('' when the dataset does not list the field). */
  category: string;
  transform: string;
  words: string;
}

export interface TermLine {
  label: string;
  value: string;
}

export interface PlainContract {
  leaving: FieldLine[];
  computeOnly: FieldLine[];
  staying: Array<{ field: string; category: string }>;
  purposes: string[];
  terms: TermLine[];
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
}

/** What one transform does to a field, in words. */
export function describeTransform(policy: FieldPolicy, lang: Lang): string {
  const p = policy;
  switch (p.transform) {
    case 'keep':
    case 'nullify':
    case 'shuffle':
    case 'aggregate':
      return say(lang, p.transform);
    case 'mask':
      return say(lang, 'mask', { keepStart: text(p.keepStart, '3'), keepEnd: text(p.keepEnd, '4'), char: text(p.char, '*') });
    case 'truncate':
      return say(lang, 'truncate', { length: text(p.length, '?') });
    case 'replace': {
      const dictionary = p.dictionary && typeof p.dictionary === 'object' ? Object.keys(p.dictionary).length : 0;
      return dictionary > 0 ? say(lang, 'replaceDictionary', { entries: dictionary, value: text(p.value, '') }) : say(lang, 'replace', { value: text(p.value, '') });
    }
    case 'generalize':
      return p.to === 'year' || p.to === 'month' ? say(lang, 'generalizeDate', { to: say(lang, p.to) }) : say(lang, 'generalizeNumber', { step: text(p.step, '?') });
    case 'hash':
      return say(lang, 'hash', { alg: text(p.alg, 'hmac-sm3'), scope: say(lang, p.scope === 'owner' ? 'scopeOwner' : 'scopeContract') });
    case 'simulate':
      return say(lang, 'simulate', { type: text(p.type, '?') });
    case 'encrypt':
      return say(lang, 'encrypt', { alg: text(p.alg, 'SM4') });
    case 'tokenize':
      return say(lang, 'tokenize', { alg: text(p.alg, 'FF1-SM4') });
    case 'redact': {
      const entities = Array.isArray(p.entities) && p.entities.length > 0 ? p.entities.join(', ') : say(lang, 'redactAll');
      return say(lang, 'redact', { entities, mode: say(lang, p.mode === 'token' ? 'redactToken' : 'redactTag') });
    }
    default:
      return say(lang, 'unknown', { transform: p.transform });
  }
}

export function categoryWords(category: string | undefined, lang: Lang): string {
  return category ? say(lang, `category.${category}`) : '';
}

export function mechanismWords(mechanism: string, lang: Lang): string {
  return say(lang, `mechanism.${mechanism}`);
}

/** Dates as the day they fall on (UTC), which is what the terms state. */
function day(instant: string): string {
  return instant.slice(0, 10);
}

export function describeContract(terms: ContractTerms, fields: readonly DatasetFieldInfo[], lang: Lang, recipientName?: string): PlainContract {
  const categoryOf = (name: string) => categoryWords(fields.find((f) => f.name === name)?.category, lang);
  // An AI egress contract releases prompts (redacted) instead of a dataset's fields.
  const released = terms.prompts ? { [say(lang, 'prompts')]: terms.prompts } : (terms.fields ?? {});
  const lines = Object.entries(released).map(([field, policy]) => ({
    field,
    category: categoryOf(field),
    transform: policy.transform,
    words: describeTransform(policy, lang),
  }));
  const listed = new Set(Object.keys(released));
  const termLines: TermLine[] = [
    { label: say(lang, 'recipient'), value: recipientName ? `${recipientName} (${terms.recipientId})` : terms.recipientId },
    { label: say(lang, 'destination'), value: `${terms.destination.location}, ${terms.destination.country}` },
    { label: say(lang, 'retention'), value: say(lang, 'retentionDays', { days: terms.retentionDays }) },
    { label: say(lang, 'onwardTransfer'), value: say(lang, terms.onwardTransfer ? 'allowed' : 'forbidden') },
    { label: say(lang, 'validity'), value: say(lang, 'validityRange', { from: day(terms.validFrom), until: day(terms.validUntil) }) },
    { label: say(lang, 'legalBasis'), value: say(lang, `legal.${terms.legalBasis}`) },
    { label: say(lang, 'scenario'), value: terms.modality ? `${terms.scenario} (${terms.modality})` : terms.scenario },
  ];
  if (terms.maxRecordsPerTransfer !== undefined) termLines.push({ label: say(lang, 'cap'), value: say(lang, 'capRecords', { n: terms.maxRecordsPerTransfer }) });
  if (terms.minK !== undefined) termLines.push({ label: say(lang, 'minK'), value: String(terms.minK) });
  if (terms.fingerprint) termLines.push({ label: say(lang, 'fingerprint'), value: say(lang, 'fingerprintOn') });
  termLines.push(...disclosureLines(terms.disclosure, lang));
  return {
    leaving: lines.filter((l) => l.transform !== 'aggregate'),
    computeOnly: lines.filter((l) => l.transform === 'aggregate'),
    staying: fields.filter((f) => !listed.has(f.name)).map((f) => ({ field: f.name, category: categoryWords(f.category, lang) })),
    purposes: terms.purposes,
    terms: termLines,
  };
}

/** The release terms for compute jobs on the data, when the contract sets them. */
function disclosureLines(disclosure: ContractTerms['disclosure'], lang: Lang): TermLine[] {
  if (!disclosure) return [];
  const lines: TermLine[] = [];
  if (disclosure.minGroupSize !== undefined) lines.push({ label: say(lang, 'releaseFloor'), value: say(lang, 'releaseFloorValue', { n: disclosure.minGroupSize }) });
  if (disclosure.signedWeights !== undefined) lines.push({ label: say(lang, 'signedWeights'), value: say(lang, disclosure.signedWeights ? 'allowed' : 'forbidden') });
  const dp = disclosure.dp;
  if (dp) {
    const bounds = Object.entries(dp.bounds ?? {}).map(([column, b]) => `${column} [${b.lower}, ${b.upper}]`);
    lines.push({
      label: say(lang, 'dp'),
      value: say(lang, 'dpValue', {
        epsilon: dp.epsilon,
        budget: dp.budget,
        period: say(lang, dp.period),
        rows: dp.rowsPerPerson ?? 1,
        bounds: bounds.length > 0 ? say(lang, 'dpBounds', { bounds: bounds.join(', ') }) : '',
      }),
    });
  }
  return lines;
}

/** The plain-words contract as terminal text (`sluice contract show`). */
export function contractText(plain: PlainContract, lang: Lang): string {
  const out: string[] = [];
  const section = (title: string, rows: string[]) => {
    out.push(title);
    out.push(...(rows.length > 0 ? rows.map((r) => `  • ${r}`) : [`  ${say(lang, 'none')}`]));
  };
  const field = (l: { field: string; category: string; words?: string }) => `${l.field}${l.category ? ` [${l.category}]` : ''}${l.words ? `: ${l.words}` : ''}`;
  section(say(lang, 'leaving'), plain.leaving.map(field));
  if (plain.computeOnly.length > 0) section(say(lang, 'computeOnly'), plain.computeOnly.map(field));
  section(say(lang, 'staying'), plain.staying.map(field));
  section(say(lang, 'purposes'), plain.purposes);
  const width = Math.max(...plain.terms.map((t) => t.label.length));
  for (const line of plain.terms) out.push(`${line.label.padEnd(width)}  ${line.value}`);
  return out.join('\n');
}
