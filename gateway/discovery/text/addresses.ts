import * as lexicon from './lexicon.ts';

// Read once: under tsx every use of an imported binding is a getter call (see names.ts).
const { divisionAt, HAN_FIRST, HAN_LAST, isHan, OPENS_DIVISION, PLACE_CHAR } = lexicon;
import type { EntitySpan } from './kinds.ts';

/**
 * Chinese postal addresses in prose, read as a chain of components: gazetteer divisions
 * (province, city, county — GB/T 2260 names), generic divisions (…街道, …镇, …村), roads
 * (…路, …大街, …巷), numbers (88号, 3栋, 2单元, 501室, 12号楼3-502) and estates (…小区, …花园,
 * …大厦). A chain becomes an address when it is anchored: it opens with a full division name,
 * or follows a cue (住址, 收货地址, 家住, 寄到…), or holds a road followed by a number, or a
 * short division name (杭州) followed by more than a generic part.
 */

const H = PLACE_CHAR;
const NUMERAL = '(?:[0-9A-Za-z]{1,6}|[一二三四五六七八九十百零〇两]{1,4})';

const GENERIC_DIVISION = new RegExp(`${H}{1,6}?(?:特别行政区|自治区|自治州|自治县|开发区|高新区|新区|街道|社区|地区|省|市|盟|区|县|旗|镇|乡|村)`, 'y');
const ROAD = new RegExp(`${H}{1,8}?(?:大道|大街|胡同|路|街|巷|弄)(?:[东西南北中][段路])?`, 'y');
/** A road that opens a chain without a division or cue before it: its name is short, so the chain does not swallow the clause before it. */
const BARE_ROAD_REACH = 6;
// A road character followed by a number or a direction: where a bare road-and-number address can end.
const ROAD_CHARS = /[路街巷弄同道](?=[0-9一二三四五六七八九十东西南北中])/g;
const NUMBER = new RegExp(`${NUMERAL}(?:[-－—]${NUMERAL})*(?:号院|号楼|号|弄|栋|幢|座|单元|室|楼|层|户|组|段)`, 'y');
const ESTATE = new RegExp(`${H}{1,8}?(?:小区|花园|公寓|大厦|大楼|家园|新村|新城|广场|中心|公馆|山庄|苑|庭|府|院|湾|坊|邸|阁)`, 'y');
const ROOM = /[0-9]{1,5}(?:[-－][0-9]{1,5})?(?![0-9])/y;
const SPACE = /[ \u3000]*/y;

const CUES = ['收货地址', '家庭住址', '户籍地址', '通讯地址', '联系地址', '居住地址', '详细地址', '现住址', '户籍地', '居住地', '住址', '地址', '家住', '住在', '现住', '现居', '寄到', '送到', '发往', '寄往', '送至', '寄至', '搬到', '位于'];
// A character every cue ends with: most texts have none, and skip the cue search.
const CUE_FINAL_RE = new RegExp(`[${[...new Set(CUES.map((c) => c.at(-1)))].join('')}]`);

type Part = 'gazetteer' | 'short' | 'division' | 'road' | 'number' | 'estate' | 'room';

function match(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.exec(text) === null ? -1 : re.lastIndex;
}

/** The next component at `at`: its kind and end, gazetteer names first (longest), then the generic forms. */
function component(text: string, at: number, previous: Part | undefined): [Part, number] | undefined {
  const division = divisionAt(text, at);
  if (division !== undefined) return [division.short ? 'short' : 'gazetteer', at + division.name.length];
  let end: number;
  if ((end = match(NUMBER, text, at)) > 0) return ['number', end];
  if (previous === 'number' && (end = match(ROOM, text, at)) > 0) return ['room', end];
  if (!isHan(text.charCodeAt(at))) return undefined;
  if ((end = match(ROAD, text, at)) > 0) return ['road', end];
  if ((end = match(GENERIC_DIVISION, text, at)) > 0) return ['division', end];
  if ((end = match(ESTATE, text, at)) > 0) return ['estate', end];
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
    at = match(SPACE, text, end);
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

// A cue and the gap after it; the address may start right after.
const CUE_RE = new RegExp(`(?:${CUES.join('|')})[：: \u3000为是]*`, 'g');

/** Where addresses may start because a cue ends there. */
function cueEnds(text: string): number[] {
  const ends: number[] = [];
  CUE_RE.lastIndex = 0;
  for (let m = CUE_RE.exec(text); m !== null; m = CUE_RE.exec(text)) ends.push(m.index + m[0].length);
  return ends;
}

/**
 * Address spans, each the whole anchored chain; scanning resumes after a found address. A
 * chain is tried only where one can start: a gazetteer name, a cue's end, or a few characters
 * before a road character followed by a number.
 */
export function findAddresses(text: string, out: EntitySpan[]): void {
  const roads: number[] = [];
  ROAD_CHARS.lastIndex = 0;
  while (ROAD_CHARS.exec(text) !== null) roads.push(ROAD_CHARS.lastIndex - 1);
  const cues = CUE_FINAL_RE.test(text) ? cueEnds(text) : [];
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
