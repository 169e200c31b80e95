import {
  cardDigits,
  isBankCard,
  isEmail,
  isIpAddress,
  isLandline,
  isLicencePlate,
  isMobile,
  isPassport,
  isResidentId,
  isUsccStrict,
} from '../pii/validators.ts';
import type { CalendarDate } from '../pii/dates.ts';
import type { EntityKind, EntitySpan } from './kinds.ts';

/**
 * Identifiers with a fixed shape, each found by its own regular expression carrying its own
 * boundaries, then confirmed by discovery's validators (check digits, Luhn, live prefixes, real
 * division codes). Where several shapes match at one place the first listed wins; a candidate
 * that fails its validator is tried against the later shapes starting at the same place before
 * it is passed over.
 */
interface Shape {
  kind: EntityKind;
  source: string;
  /** The characters a match can start with. */
  opens: string;
  /** A character every match contains: a text without it skips the shape. */
  needs?: string;
  /**
   * What a match at `start` needs, cheaper to check than running the expression: `run` is the
   * number of letters and digits from `start` on and `next` the code after them. A match is
   * either exactly that run or goes on through one of its own separators. Most places fail here.
   */
  may(run: number, next: number, text: string, start: number): boolean;
  valid(candidate: string, today: CalendarDate, text: string, start: number): boolean;
}

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
/** One-character province abbreviations that open a mainland plate. */
const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';

const isUpper = (code: number) => code >= 0x41 && code <= 0x5a;
const isSpaceOrDash = (code: number) => code === 0x20 || code === 0x2d;
/** What may follow letters and digits inside an e-mail's local part, or end it: ._%+-@ */
const inLocalPart = (code: number) => code === 0x2e || code === 0x5f || code === 0x25 || code === 0x2b || code === 0x2d || code === 0x40;

// Not inside a longer run of letters and digits.
const B = '(?<![0-9A-Za-z])';
const E = '(?![0-9A-Za-z])';

/** Bank cards in text: 16 or 19 digits (UnionPay, Visa, Mastercard), or Amex's 15; other lengths are rare and collide with reference numbers. */
function isCardInText(text: string): boolean {
  const digits = cardDigits(text);
  return digits !== undefined && (digits.length === 16 || digits.length === 19 || (digits.length === 15 && /^3[47]/.test(digits))) && isBankCard(text);
}

// Words that announce a phone number just before it.
const PHONE_CUE = /(?:电话|座机|固话|传真|热线|手机|联系|致电|拨打|tel|phone|fax)[号码：:\s]*$/i;

/**
 * A fixed-line number with a separator after its area code (0571-8888 6666, (010)…) stands on
 * its own; run together (057188886666) it looks like any 11–12 digit reference number, so it
 * counts only right after a phone cue.
 */
function isLandlineInText(candidate: string, _today: CalendarDate, text: string, start: number): boolean {
  if (!isLandline(candidate)) return false;
  return /^(?:\(|0\d{2,3}[ -])/.test(candidate) || PHONE_CUE.test(text.slice(Math.max(0, start - 8), start));
}

/** Four single digits (1.2.3.4) in prose are section or version numbers far more often than addresses. */
function isIpv4InText(candidate: string): boolean {
  return isIpAddress(candidate) && /\d\d/.test(candidate);
}

const SHAPES: readonly Shape[] = [
  {
    kind: 'email',
    opens: `${DIGITS}${UPPER}${LOWER}._%+-`,
    needs: '@',
    may: (run, next, text, start) => (run === 0 || inLocalPart(next)) && text.indexOf('@', start) > start,
    source: `(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,24}${E}`,
    valid: isEmail,
  },
  { kind: 'cn_resident_id', source: `${B}\\d{17}[\\dXx]${E}`, opens: DIGITS, may: (run) => run === 18, valid: (t, today) => isResidentId(t, today) },
  { kind: 'uscc', source: `${B}[0-9A-HJ-NPQRTUWXY]{18}${E}`, opens: `${DIGITS}ABCDEFGHJKLMNPQRTUWXY`, may: (run) => run === 18, valid: isUsccStrict },
  { kind: 'bank_card', source: `${B}(?:\\d{4}(?:[ -]?\\d{4}){3}(?:[ -]?\\d{3})?|\\d{6}[ -]?\\d{13}|3[47]\\d{2}[ -]?\\d{6}[ -]?\\d{5})${E}`, opens: DIGITS, may: (run, next) => run === 15 || run === 16 || run === 19 || isSpaceOrDash(next), valid: isCardInText },
  { kind: 'cn_mobile', source: `(?<![0-9A-Za-z+])(?:(?:\\+|00)?86[ -]?)?1\\d{2}[ -]?\\d{4}[ -]?\\d{4}${E}`, opens: '+018', may: (run, next) => run === 0 || run === 11 || run === 13 || run === 15 || isSpaceOrDash(next), valid: isMobile },
  { kind: 'cn_landline', source: `(?<![0-9A-Za-z(])(?:\\(0\\d{2,3}\\)|0\\d{2,3})[ -]?[2-9]\\d{6,7}(?:(?:-|转)\\d{1,5})?${E}`, opens: '(0', may: (run, next) => run === 0 || (run >= 10 && run <= 12) || isSpaceOrDash(next), valid: isLandlineInText },
  { kind: 'passport', source: `${B}(?:[EG]\\d{8}|E[A-HJ-NP-Z]\\d{7}|[DSP]E\\d{7})${E}`, opens: 'EGDSP', may: (run) => run === 9, valid: isPassport },
  { kind: 'ip', source: `${B}(?:\\d{1,3}\\.){3}\\d{1,3}(?![0-9A-Za-z]|\\.\\d)`, opens: DIGITS, needs: '.', may: (run, next) => run <= 3 && next === 0x2e, valid: isIpv4InText },
  { kind: 'ip', source: `(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{1,4}:){1,7}:?(?::?[0-9A-Fa-f]{1,4}){1,7}(?![0-9A-Za-z:])`, opens: `${DIGITS}ABCDEFabcdef`, needs: ':', may: (run, next) => run <= 4 && next === 0x3a, valid: isIpAddress },
  {
    kind: 'licence_plate',
    source: `[${PROVINCES}][A-HJ-NP-Z][ ·•]?[A-HJ-NP-Z0-9]{5,6}${E}`,
    opens: PROVINCES,
    may: (_run, _next, text, start) => isUpper(text.charCodeAt(start + 1)),
    valid: isLicencePlate,
  },
];

const STICKY = SHAPES.map((s) => new RegExp(s.source, 'y'));

/** Per UTF-16 code: a bit per shape that can start with it. */
const OPENS = new Uint16Array(0x10000);
SHAPES.forEach((shape, s) => {
  for (const c of shape.opens) OPENS[c.charCodeAt(0)]! |= 1 << s;
});
const ALNUM = new Uint8Array(0x10000);
for (const c of DIGITS + UPPER + LOWER) ALNUM[c.charCodeAt(0)] = 1;
/** Every shape but the plate refuses to start right after a letter or digit. */
const AFTER_ALNUM = SHAPES.reduce((bits, shape, s) => (shape.kind === 'licence_plate' ? bits | (1 << s) : bits), 0);
const NEEDS = [...new Set(SHAPES.flatMap((shape) => (shape.needs === undefined ? [] : [shape.needs])))].map((c) => ({
  c,
  without: SHAPES.reduce((bits, shape, s) => (shape.needs === c ? bits : bits | (1 << s)), 0),
}));

/**
 * Each shape's expression runs only where a match can start (a shape's first character, not
 * inside a run of letters and digits) and only on texts holding what it needs (`@`, `.`, `:`):
 * a handful of places in a line of Chinese prose, and most shapes are passed over by one table
 * lookup.
 */
export function findStructured(text: string, today: CalendarDate, out: EntitySpan[]): void {
  let possible = 0xffff;
  for (const { c, without } of NEEDS) if (!text.includes(c)) possible &= without;
  for (let i = 0; i < text.length; i++) {
    let shapes = OPENS[text.charCodeAt(i)]! & possible;
    if (i > 0 && ALNUM[text.charCodeAt(i - 1)] === 1) shapes &= AFTER_ALNUM;
    if (shapes === 0) continue;
    let run = 0;
    while (i + run < text.length && ALNUM[text.charCodeAt(i + run)] === 1) run++;
    const next = text.charCodeAt(i + run);
    let skip = 0;
    for (let s = 0; shapes !== 0; s++, shapes >>>= 1) {
      if ((shapes & 1) === 0 || !SHAPES[s]!.may(run, next, text, i)) continue;
      const sticky = STICKY[s]!;
      sticky.lastIndex = i;
      const m = sticky.exec(text);
      if (m === null) continue;
      if (SHAPES[s]!.valid(m[0], today, text, i)) {
        skip = m[0].length;
        out.push({ kind: SHAPES[s]!.kind, start: i, end: i + skip });
        break;
      }
      // A candidate no shape confirms is passed over whole, as the first shape matched it.
      if (skip === 0) skip = m[0].length;
    }
    // Nothing starts inside a run of letters and digits (a plate starts with a Han character).
    i += Math.max(skip, run, 1) - 1;
  }
}
