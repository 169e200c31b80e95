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
 * Identifiers with a fixed shape, found in one pass of one combined regular expression whose
 * alternatives carry their own boundaries, then confirmed by discovery's validators (check
 * digits, Luhn, live prefixes, real division codes). A candidate that fails its validator is
 * tried against the other shapes starting at the same place before it is passed over.
 */
interface Shape {
  kind: EntityKind;
  source: string;
  valid(candidate: string, today: CalendarDate, text: string, start: number): boolean;
}

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
    source: `(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,24}${E}`,
    valid: isEmail,
  },
  { kind: 'cn_resident_id', source: `${B}\\d{17}[\\dXx]${E}`, valid: (t, today) => isResidentId(t, today) },
  { kind: 'uscc', source: `${B}[0-9A-HJ-NPQRTUWXY]{18}${E}`, valid: isUsccStrict },
  { kind: 'bank_card', source: `${B}(?:\\d{4}(?:[ -]?\\d{4}){3}(?:[ -]?\\d{3})?|\\d{6}[ -]?\\d{13}|3[47]\\d{2}[ -]?\\d{6}[ -]?\\d{5})${E}`, valid: isCardInText },
  { kind: 'cn_mobile', source: `(?<![0-9A-Za-z+])(?:(?:\\+|00)?86[ -]?)?1\\d{2}[ -]?\\d{4}[ -]?\\d{4}${E}`, valid: isMobile },
  { kind: 'cn_landline', source: `(?<![0-9A-Za-z(])(?:\\(0\\d{2,3}\\)|0\\d{2,3})[ -]?[2-9]\\d{6,7}(?:(?:-|转)\\d{1,5})?${E}`, valid: isLandlineInText },
  { kind: 'passport', source: `${B}(?:[EG]\\d{8}|E[A-HJ-NP-Z]\\d{7}|[DSP]E\\d{7})${E}`, valid: isPassport },
  { kind: 'ip', source: `${B}(?:\\d{1,3}\\.){3}\\d{1,3}(?![0-9A-Za-z]|\\.\\d)`, valid: isIpv4InText },
  { kind: 'ip', source: `(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{1,4}:){1,7}:?(?::?[0-9A-Fa-f]{1,4}){1,7}(?![0-9A-Za-z:])`, valid: isIpAddress },
  {
    kind: 'licence_plate',
    source: `[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][ ·•]?[A-HJ-NP-Z0-9]{5,6}${E}`,
    valid: isLicencePlate,
  },
];

const COMBINED = new RegExp(SHAPES.map((s) => `(${s.source})`).join('|'), 'g');
const STICKY = SHAPES.map((s) => new RegExp(s.source, 'y'));

/** Characters that can open a structured identifier: a letter, digit, `+`, `(` or a plate's province character. */
const MAY_HOLD = /[0-9A-Za-z]/;

export function findStructured(text: string, today: CalendarDate, out: EntitySpan[]): void {
  if (!MAY_HOLD.test(text)) return;
  COMBINED.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = COMBINED.exec(text)) !== null) {
    const start = m.index;
    let shape = 1;
    while (m[shape] === undefined) shape++;
    const found = confirm(text, start, shape - 1, m[0], today);
    if (found !== undefined) {
      out.push(found);
      COMBINED.lastIndex = found.end;
    } else {
      COMBINED.lastIndex = start + m[0].length;
    }
  }
}

function confirm(text: string, start: number, first: number, candidate: string, today: CalendarDate): EntitySpan | undefined {
  if (SHAPES[first]!.valid(candidate, today, text, start)) return { kind: SHAPES[first]!.kind, start, end: start + candidate.length };
  for (let s = first + 1; s < SHAPES.length; s++) {
    const sticky = STICKY[s]!;
    sticky.lastIndex = start;
    const m = sticky.exec(text);
    if (m !== null && SHAPES[s]!.valid(m[0], today, text, start)) return { kind: SHAPES[s]!.kind, start, end: start + m[0].length };
  }
  return undefined;
}
