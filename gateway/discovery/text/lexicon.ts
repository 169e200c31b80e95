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

/** Per Han character: whether it may be part of a place or organisation name. */
const PLACE = new Uint8Array(HAN_COUNT).fill(1);
for (const c of CLAUSE_CHARS) PLACE[c.charCodeAt(0) - HAN_FIRST] = 0;

/** A Han character that may be part of a place or organisation name. */
export function isPlaceChar(code: number): boolean {
  return isHan(code) && PLACE[code - HAN_FIRST] === 1;
}

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

/**
 * Pairs of Han characters in an open-addressing table of `first * HAN_COUNT + second` offsets:
 * a `Set` probe costs several times more, and these sit in the scanner's inner loops.
 */
class PairSet {
  private readonly slots: Int32Array;
  private readonly shift: number;

  constructor(pairs: Iterable<readonly [number, number]>, capacityBits: number) {
    this.slots = new Int32Array(1 << capacityBits).fill(-1);
    this.shift = 32 - capacityBits;
    for (const [a, b] of pairs) {
      const key = pairKey(a, b);
      let slot = this.slotOf(key);
      while (this.slots[slot] !== -1 && this.slots[slot] !== key) slot = (slot + 1) & (this.slots.length - 1);
      this.slots[slot] = key;
    }
  }

  private slotOf(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  has(a: number, b: number): boolean {
    if (!isHan(a) || !isHan(b)) return false;
    const key = pairKey(a, b);
    for (let slot = this.slotOf(key); ; slot = (slot + 1) & (this.slots.length - 1)) {
      const held = this.slots[slot]!;
      if (held === key) return true;
      if (held === -1) return false;
    }
  }
}

function pairKey(a: number, b: number): number {
  return (a - HAN_FIRST) * HAN_COUNT + (b - HAN_FIRST);
}

function* pairsOf(words: Iterable<string>): Iterable<[number, number]> {
  for (const w of words) yield [w.charCodeAt(0), w.charCodeAt(1)];
}

/** Frequent two-character words (11,720 in a table of 32,768). */
const COMMON = new PairSet(pairsOf(COMMON_WORDS.match(/../gs) ?? []), 15);

/** Whether two Han characters form a frequent word (高兴, 周末, 明天). */
export function isCommonWord(a: number, b: number): boolean {
  return COMMON.has(a, b);
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
const DIVISION_PAIRS = new PairSet(pairsOf([...DIVISIONS.values()].flatMap((list) => list.map((d) => d.name))), 14);

/** The longest gazetteer division starting at `at`, if any. */
export function divisionAt(text: string, at: number): Division | undefined {
  const code = text.charCodeAt(at);
  if (!isHan(code) || OPENS_DIVISION[code - HAN_FIRST] === 0) return undefined;
  if (!DIVISION_PAIRS.has(code, text.charCodeAt(at + 1))) return undefined;
  const candidates = DIVISIONS.get(code);
  if (candidates === undefined) return undefined;
  for (const d of candidates) if (text.startsWith(d.name, at)) return d;
  return undefined;
}

/** A bit per word list (at most 16): whether some word of the list starts, or ends, with a code. */
const FIRST_BITS = new Uint16Array(0x10000);
const LAST_BITS = new Uint16Array(0x10000);
let lists = 0;

/**
 * A list of words found at a place in a text by a table lookup on one character, then a probe
 * of the few words sharing it, instead of an alternation in a regular expression or a search
 * through the list: in the scanner's inner loops the call into the regular-expression engine
 * costs more than the match.
 */
export class WordList {
  private readonly bit: number;
  private readonly byFirst: Map<number, string[]>;
  private readonly byLast = new Map<number, string[]>();

  constructor(words: readonly string[]) {
    if (lists === 16) throw new Error('too many word lists');
    this.bit = 1 << lists++;
    this.byFirst = groupByFirst(words);
    for (const w of words) {
      const last = w.charCodeAt(w.length - 1);
      (this.byLast.get(last) ?? this.byLast.set(last, []).get(last)!).push(w);
      FIRST_BITS[w.charCodeAt(0)]! |= this.bit;
      LAST_BITS[last]! |= this.bit;
    }
  }

  /** The first word, in list order, that starts at `at` — what an alternation of the words would match there. */
  startingAt(text: string, at: number): string | undefined {
    if (at >= text.length || (FIRST_BITS[text.charCodeAt(at)]! & this.bit) === 0) return undefined;
    for (const w of this.byFirst.get(text.charCodeAt(at))!) if (text.startsWith(w, at)) return w;
    return undefined;
  }

  /** Whether some word ends right before `end`. */
  endsAt(text: string, end: number): boolean {
    if (end <= 0 || end > text.length || (LAST_BITS[text.charCodeAt(end - 1)]! & this.bit) === 0) return false;
    for (const w of this.byLast.get(text.charCodeAt(end - 1))!) if (end >= w.length && text.startsWith(w, end - w.length)) return true;
    return false;
  }
}

function groupByFirst(words: readonly string[]): Map<number, string[]> {
  const map = new Map<number, string[]>();
  for (const w of words) (map.get(w.charCodeAt(0)) ?? map.set(w.charCodeAt(0), []).get(w.charCodeAt(0))!).push(w);
  return map;
}
