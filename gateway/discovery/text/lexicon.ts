import { COMMON_WORDS } from './data/common-words.ts';
import { CITIES, COUNTIES, PROVINCES } from './data/divisions.ts';
import { GIVEN_NAME_SCORES } from './data/given-names.ts';
import { COMPOUND_SURNAMES_ALL, SURNAME_TIERS } from './data/surnames.ts';
import { GIVEN_NAME_CHARS } from '../pii/reference-data.ts';

/**
 * Lookup tables over the CJK Unified Ideographs block (U+4E00–U+9FFF), built once from the
 * shipped word lists so that the scanner's hot loop is array indexing, never string searching.
 */
export const HAN_FIRST = 0x4e00;
export const HAN_LAST = 0x9fff;
const HAN_COUNT = HAN_LAST - HAN_FIRST + 1;

export function isHan(code: number): boolean {
  return code >= HAN_FIRST && code <= HAN_LAST;
}

// Characters that never sit inside a place or organisation name: function words and verbs that end or start a clause.
const CLAUSE_CHARS = '的了是在我你他她们这那着过吗呢吧啊与或及把被让给对从向到往去请送寄找说要会能有也就都还又很已将买卖收住离址回';

/** A regex character class: a Han character that may be part of a place or organisation name. */
export const PLACE_CHAR = `[^\\x00-\\u4dff\\ua000-\\uffff${CLAUSE_CHARS}]`;

/** Surname prior by character: 3 for the most common hundred, 2 and 1 for the next tiers, 0 for none. */
export const SURNAME_PRIOR = new Int8Array(HAN_COUNT);
SURNAME_TIERS.forEach((tier, i) => {
  for (const c of tier) if (SURNAME_PRIOR[c.charCodeAt(0) - HAN_FIRST] === 0) SURNAME_PRIOR[c.charCodeAt(0) - HAN_FIRST] = 3 - i;
});

/** Compound surnames by their first character's code. */
export const COMPOUND_SURNAMES: ReadonlyMap<number, readonly string[]> = groupByFirst(COMPOUND_SURNAMES_ALL);

/** Whether a character can open a name: a surname prior, or the first character of a compound surname. */
export const OPENS_NAME = new Uint8Array(HAN_COUNT);
for (let i = 0; i < HAN_COUNT; i++) if (SURNAME_PRIOR[i] !== 0) OPENS_NAME[i] = 1;
for (const first of COMPOUND_SURNAMES.keys()) OPENS_NAME[first - HAN_FIRST] = 1;

/**
 * How likely a character is in a given name rather than in ordinary words (−3…4): the jieba
 * statistics, raised to at least 2 for the characters `simulate` draws names from (modern given
 * names that an older dictionary under-counts).
 */
export const GIVEN_SCORE = new Int8Array(HAN_COUNT);
for (const [score, chars] of GIVEN_NAME_SCORES) for (const c of chars) GIVEN_SCORE[c.charCodeAt(0) - HAN_FIRST] = score;
for (const c of GIVEN_NAME_CHARS) GIVEN_SCORE[c.charCodeAt(0) - HAN_FIRST] = Math.max(2, GIVEN_SCORE[c.charCodeAt(0) - HAN_FIRST]!);

/** Frequent two-character words, as `first * HAN_COUNT + second` offsets. */
const COMMON = new Set<number>();
for (let i = 0; i + 1 < COMMON_WORDS.length; i += 2) COMMON.add(pairKey(COMMON_WORDS.charCodeAt(i), COMMON_WORDS.charCodeAt(i + 1)));

function pairKey(a: number, b: number): number {
  return (a - HAN_FIRST) * HAN_COUNT + (b - HAN_FIRST);
}

/** Whether two Han characters form a frequent word (高兴, 周末, 明天). */
export function isCommonWord(a: number, b: number): boolean {
  return isHan(a) && isHan(b) && COMMON.has(pairKey(a, b));
}

export type DivisionLevel = 'province' | 'city' | 'county';

export interface Division {
  name: string;
  level: DivisionLevel;
  /** A short form (杭州 for 杭州市): an address only when more address follows. */
  short: boolean;
}

const SUFFIXES = /(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$/;

function divisionEntries(): Division[] {
  const out: Division[] = [];
  const add = (list: string, level: DivisionLevel) => {
    for (const name of list.split('|')) {
      out.push({ name, level, short: false });
      if (level === 'county') continue;
      const short = name.replace(SUFFIXES, '').replace(/(?:土家族|蒙古族|藏族|彝族|苗族|布依族|侗族|哈尼族|傣族|白族|景颇族|傈僳族|壮族|朝鲜族|回族|哈萨克|柯尔克孜|羌族)+自治州$/, '');
      if (short !== name && short.length >= 2) out.push({ name: short, level, short: true });
    }
  };
  add(PROVINCES, 'province');
  add(CITIES, 'city');
  add(COUNTIES, 'county');
  return out;
}

/** Gazetteer entries by first character, longest first, so the first hit is the longest match. */
export const DIVISIONS: ReadonlyMap<number, readonly Division[]> = (() => {
  const byFirst = new Map<number, Division[]>();
  for (const d of divisionEntries()) {
    const key = d.name.charCodeAt(0);
    const list = byFirst.get(key) ?? byFirst.set(key, []).get(key)!;
    if (!list.some((x) => x.name === d.name)) list.push(d);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.name.length - a.name.length || Number(a.short) - Number(b.short));
  return byFirst;
})();

/** Whether some gazetteer name opens with this character: a flag per Han character, so most text never reaches the map. */
export const OPENS_DIVISION = new Uint8Array(HAN_COUNT);
for (const first of DIVISIONS.keys()) if (isHan(first)) OPENS_DIVISION[first - HAN_FIRST] = 1;

/** The first two characters of every gazetteer name (all have at least two): most flagged characters stop here. */
const DIVISION_PAIRS = new Set<number>();
for (const list of DIVISIONS.values()) for (const d of list) DIVISION_PAIRS.add(pairKey(d.name.charCodeAt(0), d.name.charCodeAt(1)));

/** The longest gazetteer division starting at `at`, if any. */
export function divisionAt(text: string, at: number): Division | undefined {
  const code = text.charCodeAt(at);
  if (!isHan(code) || OPENS_DIVISION[code - HAN_FIRST] === 0) return undefined;
  const next = text.charCodeAt(at + 1);
  if (!isHan(next) || !DIVISION_PAIRS.has(pairKey(code, next))) return undefined;
  const candidates = DIVISIONS.get(code);
  if (candidates === undefined) return undefined;
  for (const d of candidates) if (text.startsWith(d.name, at)) return d;
  return undefined;
}

function groupByFirst(words: readonly string[]): Map<number, string[]> {
  const map = new Map<number, string[]>();
  for (const w of words) (map.get(w.charCodeAt(0)) ?? map.set(w.charCodeAt(0), []).get(w.charCodeAt(0))!).push(w);
  return map;
}
