import * as lexicon from './lexicon.ts';

// Read once: under tsx every use of an imported binding is a getter call (see names.ts).
const { divisionAt, HAN_FIRST, HAN_LAST, isHan, isPlaceChar, OPENS_DIVISION, WordList } = lexicon;
import type { EntitySpan } from './kinds.ts';

/**
 * Chinese postal addresses in prose, read as a chain of components: gazetteer divisions
 * (province, city, county — GB/T 2260 names), generic divisions (…街道, …镇, …村), roads
 * (…路, …大街, …巷), numbers (88号, 3栋, 2单元, 501室, 12号楼3-502) and estates (…小区, …花园,
 * …大厦). A chain becomes an address when it is anchored: it opens with a full division name,
 * or follows a cue (住址, 收货地址, 家住, 寄到…), or holds a road followed by a number, or a
 * short division name (杭州) followed by more than a generic part.
 *
 * Components are read by hand rather than by regular expressions: a call into the expression
 * engine costs more than the few table lookups a component takes, and the scanner tries
 * components at most Han characters of an address-heavy text. Each reader is the expression
 * it replaces, noted beside it (H: a place character, `isPlaceChar`).
 */

/** H{1,6}? then one of these: …街道, …镇, …开发区. */
const DIVISION_SUFFIXES = new WordList(['特别行政区', '自治区', '自治州', '自治县', '开发区', '高新区', '新区', '街道', '社区', '地区', '省', '市', '盟', '区', '县', '旗', '镇', '乡', '村']);
/** H{1,8}? then one of these, then optionally a section ([东西南北中][段路]): …路, …大街, …胡同. */
const ROAD_SUFFIXES = new WordList(['大道', '大街', '胡同', '路', '街', '巷', '弄']);
/** H{1,8}? then one of these: …小区, …花园, …大厦, …苑. */
const ESTATE_SUFFIXES = new WordList(['小区', '花园', '公寓', '大厦', '大楼', '家园', '新村', '新城', '广场', '中心', '公馆', '山庄', '苑', '庭', '府', '院', '湾', '坊', '邸', '阁']);
/** NUMERAL([-－—]NUMERAL)* then one of these: 88号, 3栋, 2单元, 12号楼. */
const NUMBER_SUFFIXES = new WordList(['号院', '号楼', '号', '弄', '栋', '幢', '座', '单元', '室', '楼', '层', '户', '组', '段']);
/** A road that opens a chain without a division or cue before it: its name is short, so the chain does not swallow the clause before it. */
const BARE_ROAD_REACH = 6;

const CUES = new WordList(['收货地址', '家庭住址', '户籍地址', '通讯地址', '联系地址', '居住地址', '详细地址', '现住址', '户籍地', '居住地', '住址', '地址', '家住', '住在', '现住', '现居', '寄到', '送到', '发往', '寄往', '送至', '寄至', '搬到', '位于']);

/** Flags per UTF-16 code. */
const FLAGS = new Uint8Array(0x10000);
const ALNUM = 1;
/** 一二三四五六七八九十百零〇两: a Chinese numeral. */
const CN_NUMERAL = 2;
/** 路街巷弄同道: a character a road name can end with. */
const ROAD_END = 4;
/** What may follow a road's last character where a bare road-and-number address can end: a digit, a Chinese number, a direction. */
const ROAD_NEXT = 8;
/** What may follow a cue before the address: [：: \u3000为是]. */
const CUE_GAP = 16;
/** 东西南北中: opens a road's section (东段, 北路). */
const SECTION = 32;
const flag = (chars: string, bit: number) => {
  for (const c of chars) FLAGS[c.charCodeAt(0)]! |= bit;
};
flag('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', ALNUM);
flag('一二三四五六七八九十百零〇两', CN_NUMERAL);
flag('路街巷弄同道', ROAD_END);
flag('0123456789一二三四五六七八九十东西南北中', ROAD_NEXT);
flag('：: \u3000为是', CUE_GAP);
flag('东西南北中', SECTION);

const is = (text: string, at: number, bit: number) => at < text.length && (FLAGS[text.charCodeAt(at)]! & bit) !== 0;
const isDigit = (code: number) => code >= 0x30 && code <= 0x39;

/** H{1,max}? then one of `suffixes`, the first in list order at the first place one fits: its end, or -1. */
function placeThen(text: string, at: number, max: number, suffixes: InstanceType<typeof WordList>): number {
  for (let k = 1; k <= max; k++) {
    if (!isPlaceChar(text.charCodeAt(at + k - 1))) return -1;
    const suffix = suffixes.startingAt(text, at + k);
    if (suffix !== undefined) return at + k + suffix.length;
  }
  return -1;
}

/** The end of a run of `bit` characters of at most `max`, or -1 if there is none or it is longer. */
function run(text: string, at: number, bit: number, max: number): number {
  let end = at;
  while (is(text, end, bit)) end++;
  return end === at || end - at > max ? -1 : end;
}

/** NUMERAL: [0-9A-Za-z]{1,6} or [一二三四五六七八九十百零〇两]{1,4}. */
function numeral(text: string, at: number): number {
  return is(text, at, ALNUM) ? run(text, at, ALNUM, 6) : run(text, at, CN_NUMERAL, 4);
}

/** NUMERAL([-－—]NUMERAL)* then a number suffix. */
function numberAt(text: string, at: number): number {
  let end = numeral(text, at);
  if (end < 0) return -1;
  for (;;) {
    const c = text.charCodeAt(end);
    if (c !== 0x2d && c !== 0xff0d && c !== 0x2014) break;
    const next = numeral(text, end + 1);
    if (next < 0) break;
    end = next;
  }
  const suffix = NUMBER_SUFFIXES.startingAt(text, end);
  return suffix === undefined ? -1 : end + suffix.length;
}

/** [0-9]{1,5}([-－][0-9]{1,5})?(?![0-9]): a room after a number (12号楼3-502). */
function roomAt(text: string, at: number): number {
  let end = at;
  while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  if (end === at || end - at > 5) return -1;
  const c = text.charCodeAt(end);
  if (c === 0x2d || c === 0xff0d) {
    let second = end + 1;
    while (second < text.length && isDigit(text.charCodeAt(second))) second++;
    if (second > end + 1 && second - end - 1 <= 5) return second;
  }
  return end;
}

function roadAt(text: string, at: number): number {
  const end = placeThen(text, at, 8, ROAD_SUFFIXES);
  if (end < 0) return -1;
  const next = text.charCodeAt(end + 1);
  return is(text, end, SECTION) && (next === 0x6bb5 || next === 0x8def) ? end + 2 : end;
}

type Part = 'gazetteer' | 'short' | 'division' | 'road' | 'number' | 'estate' | 'room';

/** The next component at `at`: its kind and end, gazetteer names first (longest), then the generic forms. */
function component(text: string, at: number, previous: Part | undefined): [Part, number] | undefined {
  const division = divisionAt(text, at);
  if (division !== undefined) return [division.short ? 'short' : 'gazetteer', at + division.name.length];
  let end: number;
  if ((end = numberAt(text, at)) > 0) return ['number', end];
  if (previous === 'number' && (end = roomAt(text, at)) > 0) return ['room', end];
  if (!isHan(text.charCodeAt(at))) return undefined;
  if ((end = roadAt(text, at)) > 0) return ['road', end];
  if ((end = placeThen(text, at, 6, DIVISION_SUFFIXES)) > 0) return ['division', end];
  if ((end = placeThen(text, at, 8, ESTATE_SUFFIXES)) > 0) return ['estate', end];
  return undefined;
}

interface Chain {
  end: number;
  parts: Part[];
}

function chainFrom(text: string, start: number): Chain {
  const parts: Part[] = [];
  let at = start;
  let end = start;
  for (;;) {
    const next = component(text, at, parts[parts.length - 1]);
    if (next === undefined) break;
    parts.push(next[0]);
    end = next[1];
    // [ \u3000]* between components.
    for (at = end; at < text.length && (text.charCodeAt(at) === 0x20 || text.charCodeAt(at) === 0x3000); at++);
  }
  return { end, parts };
}

function anchored(parts: readonly Part[], cued: boolean): boolean {
  if (parts.length === 0) return false;
  if (cued) return parts.length >= 2 || parts[0] === 'gazetteer' || parts[0] === 'road';
  const roadThenNumber = parts.some((p, i) => p === 'road' && parts[i + 1] === 'number');
  if (parts[0] === 'gazetteer') return parts.length >= 2 || roadThenNumber;
  if (parts[0] === 'short') return parts.length >= 2 && parts[1] !== 'division' && parts[1] !== 'estate';
  return roadThenNumber;
}

/**
 * Where addresses may start because a cue ends there (a cue and the gap after it), and where a
 * road character is followed by a number or a direction: one pass, cues read left to right
 * without overlapping, as a global expression of the cues would find them.
 */
function landmarks(text: string): { cues: number[]; roads: number[] } {
  const cues: number[] = [];
  const roads: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (is(text, i, ROAD_END) && is(text, i + 1, ROAD_NEXT)) roads.push(i);
    const cue = CUES.startingAt(text, i);
    if (cue === undefined) continue;
    let end = i + cue.length;
    while (is(text, end, CUE_GAP)) end++;
    cues.push(end);
    for (let r = i + 1; r < end; r++) if (is(text, r, ROAD_END) && is(text, r + 1, ROAD_NEXT)) roads.push(r);
    i = end - 1;
  }
  return { cues, roads };
}

/**
 * Address spans, each the whole anchored chain; scanning resumes after a found address. A
 * chain is tried only where one can start: a gazetteer name, a cue's end, or a few characters
 * before a road character followed by a number.
 */
export function findAddresses(text: string, out: EntitySpan[]): void {
  const { cues, roads } = landmarks(text);
  let nextRoad = 0;
  let nextCue = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < HAN_FIRST || code > HAN_LAST) continue;
    while (nextRoad < roads.length && roads[nextRoad]! <= i) nextRoad++;
    while (nextCue < cues.length && cues[nextCue]! < i) nextCue++;
    const roadNear = nextRoad < roads.length && roads[nextRoad]! - i <= BARE_ROAD_REACH;
    const cued = nextCue < cues.length && cues[nextCue] === i;
    if (!roadNear && !cued && (OPENS_DIVISION[code - HAN_FIRST] === 0 || divisionAt(text, i) === undefined)) continue;
    const chain = chainFrom(text, i);
    if (chain.parts.length > 0 && anchored(chain.parts, cued)) {
      out.push({ kind: 'address', start: i, end: chain.end });
      i = chain.end - 1;
    }
  }
}
