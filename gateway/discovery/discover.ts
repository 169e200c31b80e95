import type { DataRecord } from '../formats/index.ts';
import { DETECTORS, type Detector } from './detectors.ts';
import { parseDate, today } from './pii/dates.ts';
import { ENTITY_CATEGORY, type EntityKind } from './text/kinds.ts';
import { findEntities } from './text/scan.ts';
import type { DiscoveredCategory, DiscoveredColumn, DiscoveryReport } from './types.ts';

export const DEFAULT_DISCOVERY_ROWS = 10_000;

const HINT_BONUS = 0.1;
// Birth dates of a population spread over decades; event dates (orders, logins) cluster.
const MIN_BIRTH_YEAR_SPREAD = 10;

function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  return value === null || value === undefined ? '' : '\u0000';
}

function yearsSpread(texts: readonly string[]): boolean {
  const years = texts.map((t) => parseDate(t)?.year).filter((y): y is number => y !== undefined).sort((a, b) => a - b);
  if (years.length === 0) return false;
  const low = years[Math.floor(years.length * 0.1)]!;
  const high = years[Math.floor(years.length * 0.9)]!;
  return high - low >= MIN_BIRTH_YEAR_SPREAD;
}

interface Candidate {
  detector: Detector;
  matches: number;
  confidence: number;
}

function score(detector: Detector, name: string, texts: readonly string[]): { share: number; candidate?: Candidate } {
  let matches = 0;
  for (const text of texts) if (detector.matches(text)) matches++;
  const share = matches / texts.length;
  const hinted = detector.header.test(name);
  if (share < detector.threshold[hinted ? 1 : 0]) return { share };
  if (detector.kind === 'date_of_birth' && !hinted && !yearsSpread(texts)) return { share };
  const confidence = Math.min(1, share * detector.certainty + (hinted ? HINT_BONUS : 0));
  return { share, candidate: { detector, matches, confidence } };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * What one column holds, decided by content: the detector whose validator accepts the largest
 * share of the non-empty values, provided that share clears its threshold. A matching header
 * lowers the threshold and adds to the confidence; it never detects anything by itself.
 */
export function discoverColumn(name: string, values: readonly unknown[]): DiscoveredColumn {
  const texts = values.map(textOf).filter((t) => t.length > 0);
  const rows = values.length;
  if (texts.length === 0) return { name, detected: 'none', category: 'general', confidence: 0, matches: 0, rows };
  let best: Candidate | undefined;
  let bestShare = 0;
  for (const detector of DETECTORS) {
    const { share, candidate } = score(detector, name, texts);
    bestShare = Math.max(bestShare, share);
    if (candidate && (best === undefined || candidate.confidence > best.confidence)) best = candidate;
  }
  if (best === undefined) {
    const none: DiscoveredColumn = { name, detected: 'none', category: 'general', confidence: round(1 - bestShare), matches: 0, rows };
    return isProse(texts) ? withFreeText(none, texts) : none;
  }
  return { name, detected: best.detector.kind, category: best.detector.category, confidence: round(best.confidence), matches: best.matches, rows };
}

/** Values this long (median, in UTF-16 units), this varied and mostly made of words are prose, not codes, numbers or labels. */
const PROSE_MEDIAN_LENGTH = 12;
const PROSE_SHARE = 0.5;
const WORDS = /[\u4e00-\u9fff]|[A-Za-z]\s+[A-Za-z]/;

function isProse(texts: readonly string[]): boolean {
  const lengths = texts.map((t) => t.length).sort((a, b) => a - b);
  if (lengths[Math.floor(lengths.length / 2)]! < PROSE_MEDIAN_LENGTH || new Set(texts).size < texts.length * PROSE_SHARE) return false;
  return texts.filter((t) => WORDS.test(t)).length >= texts.length * PROSE_SHARE;
}

const CATEGORY_RANK: Record<DiscoveredCategory, number> = { general: 0, personal: 1, sensitive: 2 };

/**
 * A prose column is scanned value by value with the free-text scanner; its category is the
 * most sensitive of the kinds found in any value (one resident ID in a notes column makes the
 * column sensitive: export rules count the person either way).
 */
function withFreeText(column: DiscoveredColumn, texts: readonly string[]): DiscoveredColumn {
  const found: Partial<Record<EntityKind, number>> = {};
  const scan = { today: today() };
  for (const text of texts) {
    for (const kind of new Set(findEntities(text, scan).map((s) => s.kind))) found[kind] = (found[kind] ?? 0) + 1;
  }
  let category: DiscoveredCategory = 'general';
  for (const kind of Object.keys(found) as EntityKind[]) if (CATEGORY_RANK[ENTITY_CATEGORY[kind]] > CATEGORY_RANK[category]) category = ENTITY_CATEGORY[kind];
  return { ...column, category, freeText: true, entities: found };
}

/** A report over records already in memory; columns in order of first appearance. */
export function discoverColumns(records: Iterable<DataRecord>): DiscoveryReport {
  const columns = new Map<string, unknown[]>();
  let row = 0;
  for (const record of records) {
    for (const name of Object.keys(record)) {
      let values = columns.get(name);
      if (values === undefined) {
        // A column first seen late was absent (empty) in the rows before.
        values = new Array<unknown>(row).fill(undefined);
        columns.set(name, values);
      }
      values.push(record[name]);
    }
    row++;
    for (const values of columns.values()) if (values.length < row) values.push(undefined);
  }
  return { columns: [...columns].map(([name, values]) => discoverColumn(name, values)) };
}

/** A report over the first `maxRows` records of a stream; the rest is not read. */
export async function discoverStream(batches: AsyncIterable<DataRecord[]>, maxRows = DEFAULT_DISCOVERY_ROWS): Promise<DiscoveryReport> {
  const sample: DataRecord[] = [];
  for await (const batch of batches) {
    for (const record of batch) {
      if (sample.length >= maxRows) break;
      sample.push(record);
    }
    if (sample.length >= maxRows) break;
  }
  return discoverColumns(sample);
}

/** The category a dataset field gets when its owner declares none: content decides, the name only helps. */
export function categoryForField(name: string, sampleValues: readonly unknown[]): DiscoveredCategory {
  return discoverColumn(name, sampleValues).category;
}
