import * as lexicon from './lexicon.ts';

// Read once: under tsx every use of an imported binding is a getter call, and these sit in the scanner's inner loop.
const { COMPOUND_SURNAMES, divisionAt, GIVEN_SCORE, HAN_FIRST, HAN_LAST, isCommonWord, isHan, OPENS_NAME, SURNAME_PRIOR } = lexicon;
import type { EntitySpan } from './kinds.ts';

/**
 * Chinese personal names in prose. Every surname (single or compound) opens a candidate of one
 * or two given-name characters, scored as evidence:
 * - the surname's frequency tier (1–3) and each given character's log-odds of appearing in a
 *   given name rather than in ordinary words (−3…4, from the jieba dictionary's person names);
 * - context: a role or label before it (收件人, 姓名, 客户, 我叫, @ …: +5; 我是/和/给/找 …: +3), a title
 *   after it (先生, 女士, 经理 …: +5), an ID, phone or sex after it (（身份证, ，男: +3), a clean end
 *   (punctuation, digits, a particle: +1);
 * - against: the surname and first given character forming a frequent word (高兴, 周末, 金额:
 *   −4; a doubled character as in 谢谢: −10), the character before the surname forming one with it
 *   (谢谢, 东方: −5), the name's last
 *   character forming one with what follows (李明天气: −2).
 * A candidate at or above THRESHOLD is a name; of the two lengths the better score wins.
 */
const THRESHOLD = 6;

const STRONG_BEFORE = [
  '姓名', '名字', '收件人', '收货人', '寄件人', '联系人', '签收人', '经办人', '负责人', '持卡人', '开户人', '户主', '投保人', '被保险人',
  '受益人', '申请人', '借款人', '担保人', '患者', '病人', '客户', '顾客', '用户', '会员', '业主', '租客', '房东', '乘客', '旅客', '学生',
  '家长', '员工', '同事', '老板', '领导', '我叫', '名叫', '叫做', '本人', '配偶', '父亲', '母亲', '儿子', '女儿', '丈夫', '妻子', '老公',
  '老婆', '转告', '转交', '交给', '致电', '联系', '代表', '法人', '司机', '骑手', '快递员', '医生', '护士', '主治', '坐席', '客服',
  '访客', '车主', '审批人', '审核人', '报销人', '签字人', '委托人', '当事人', '嫌疑人', '证人', '@',
];
const MEDIUM_BEFORE = ['我是', '谢谢', '感谢', '叫', '找', '和', '与', '跟', '给', '请', '让', '对', '帮', '问', '向', '被', '由', '是', '、'];
const TITLES = [
  '先生', '女士', '小姐', '老师', '医生', '护士', '经理', '总监', '主任', '同学', '师傅', '阿姨', '叔叔', '律师', '警官', '教授', '博士',
  '老板', '主管', '科长', '处长', '局长', '书记', '院长', '校长', '工程师', '同志', '总经理', '董事长', '部长', '组长', '女儿', '儿子',
];
// Characters that commonly follow a name: particles, verbs of speech and contact.
const AFTER = new Set([...'的说在是和与跟已要将把被对给于从到来去打电等也都还又就让称表反投咨致留签收寄发买办提申你我他她驾开'].map((c) => c.charCodeAt(0)));
// Particles and pronouns: never part of a given name, whatever the statistics say.
const NEVER_GIVEN = new Set([...'的了着过吗呢吧啊们这那我你他她它是在和与'].map((c) => c.charCodeAt(0)));
const STRONG_LAST = new Set(STRONG_BEFORE.map((c) => c.charCodeAt(c.length - 1)));
const MEDIUM_LAST = new Set(MEDIUM_BEFORE.map((c) => c.charCodeAt(c.length - 1)));
const TITLE_FIRST = new Set(TITLES.map((t) => t.charCodeAt(0)));

function isBoundary(code: number): boolean {
  return Number.isNaN(code) || !isHan(code);
}

function before(text: string, at: number): number {
  let j = at;
  while (j > 0 && (text.charCodeAt(j - 1) === 0x20 || text.charCodeAt(j - 1) === 0xff1a || text.charCodeAt(j - 1) === 0x3a)) j--;
  if (j < at && j > 0 && STRONG_LAST.has(text.charCodeAt(j - 1)) && STRONG_BEFORE.some((w) => text.startsWith(w, j - w.length))) return 5;
  if (j === at && at > 0 && STRONG_LAST.has(text.charCodeAt(at - 1)) && STRONG_BEFORE.some((w) => text.startsWith(w, at - w.length))) return 5;
  if (at > 0 && MEDIUM_LAST.has(text.charCodeAt(at - 1)) && MEDIUM_BEFORE.some((w) => text.startsWith(w, at - w.length))) return 3;
  return 0;
}

// What follows a name in records: its ID or phone in brackets, or its sex.
const AFTER_CUE = /^[（(，,\s]?(?:身份证|证件|电话|手机|联系方式|男|女)/;

function after(text: string, end: number, last: number): number {
  const next = text.charCodeAt(end);
  if (TITLE_FIRST.has(next) && TITLES.some((t) => text.startsWith(t, end))) return 5;
  if (AFTER_CUE.test(text.slice(end, end + 6))) return 3;
  if (isBoundary(next) || AFTER.has(next)) return 1;
  return isCommonWord(last, next) ? -2 : 0;
}

const given = (code: number): number => (isHan(code) && !NEVER_GIVEN.has(code) ? GIVEN_SCORE[code - HAN_FIRST]! : -9);

function score(text: string, start: number, surnameEnd: number, prior: number, context: number, length: 1 | 2): number {
  const g1 = text.charCodeAt(surnameEnd);
  let s = prior + context + given(g1);
  const surname = text.charCodeAt(start);
  // 谢谢, 刚刚, 常常: a doubled character is a word, not a surname and a name.
  if (surnameEnd - start === 1) {
    if (surname === g1) s -= 10;
    else if (isCommonWord(surname, g1)) s -= 4;
  }
  let last = g1;
  if (length === 2) {
    const g2 = text.charCodeAt(surnameEnd + 1);
    s += given(g2);
    if (isCommonWord(g1, g2)) s -= 1;
    last = g2;
  }
  return s + after(text, surnameEnd + length, last);
}

interface Candidate {
  end: number;
  score: number;
}

/** The better of the one- and two-character given names after a surname at `i`, before `limit`. */
function candidateAt(text: string, i: number, limit: number): Candidate | undefined {
  const code = text.charCodeAt(i);
  if (!isHan(code)) return undefined;
  const compound = COMPOUND_SURNAMES.get(code)?.find((s) => text.startsWith(s, i));
  // A compound surname that is also a frequent word (东方, 上官) needs context to count.
  const prior = compound ? (isCommonWord(code, compound.charCodeAt(1)) ? 1 : 2) : SURNAME_PRIOR[code - HAN_FIRST]!;
  if (prior === 0) return undefined;
  const surnameEnd = i + (compound ? 2 : 1);
  if (!isHan(text.charCodeAt(surnameEnd)) || (TITLE_FIRST.has(text.charCodeAt(surnameEnd)) && TITLES.some((w) => text.startsWith(w, surnameEnd)))) return undefined;
  let context = before(text, i);
  // 谢谢冯…, 东方红: the surname character ends a word that began before it.
  if (context < 5 && i > 0 && (text.charCodeAt(i - 1) === code || isCommonWord(text.charCodeAt(i - 1), code))) context -= 5;
  const one = surnameEnd + 1 <= limit ? score(text, i, surnameEnd, prior, context, 1) : -Infinity;
  const two = surnameEnd + 2 <= limit && isHan(text.charCodeAt(surnameEnd + 1)) ? score(text, i, surnameEnd, prior, context, 2) : -Infinity;
  const best = Math.max(one, two);
  return best === -Infinity ? undefined : { end: two >= one ? surnameEnd + 2 : surnameEnd + 1, score: best };
}

function betterInside(text: string, i: number, here: Candidate, limit: number): boolean {
  for (let j = i + 1; j < here.end; j++) {
    const other = candidateAt(text, j, limit);
    if (other !== undefined && other.score > here.score) return true;
  }
  return false;
}

/**
 * Name spans outside `taken` (spans claimed by other kinds and organisation names, sorted by
 * start). Where a candidate overlaps a better one starting inside it (谢谢胡泽宇, 车主曹振华),
 * the later one wins.
 */
export function findNames(text: string, taken: readonly { start: number; end: number }[], out: EntitySpan[]): void {
  let t = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < HAN_FIRST || code > HAN_LAST || OPENS_NAME[code - HAN_FIRST] === 0) continue;
    while (t < taken.length && taken[t]!.end <= i) t++;
    if (t < taken.length && taken[t]!.start <= i) continue;
    const limit = t < taken.length ? taken[t]!.start : text.length;
    const here = candidateAt(text, i, limit);
    if (here === undefined || here.score < THRESHOLD) continue;
    // 石家庄, 余杭: a place the gazetteer knows, not a person.
    const place = divisionAt(text, i);
    if (place !== undefined && place.name.length >= here.end - i) continue;
    if (betterInside(text, i, here, limit)) continue;
    out.push({ kind: 'name', start: i, end: here.end });
    i = here.end - 1;
  }
}
