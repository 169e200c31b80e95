import { isIPv4, isIPv6 } from 'node:net';
import { luhnValid, orgCodeCheckChar, residentIdCheckChar, usccCheckChar } from './check-digits.ts';
import { calendarDate, compareDates, parseDate, today, type CalendarDate } from './dates.ts';
import { COMPOUND_SURNAMES, PROVINCE_CODES, PROVINCE_NAMES, SURNAMES } from './reference-data.ts';

/**
 * Format validators for the identifiers discovery looks for. Each takes one trimmed string and
 * checks structure, reference data and check digits, so that look-alikes (an 18-digit number
 * with a wrong check digit, a 16-digit number failing Luhn) are rejected.
 */

const EARLIEST_BIRTH: CalendarDate = { year: 1900, month: 1, day: 1 };

function plausibleBirth(date: CalendarDate | undefined, now: CalendarDate): boolean {
  return date !== undefined && compareDates(date, EARLIEST_BIRTH) >= 0 && compareDates(date, now) <= 0;
}

/** 18-character resident ID (GB 11643: region, birth date, sequence, MOD 11-2 check) or the 15-digit legacy form. */
export function isResidentId(value: string, now: CalendarDate = today()): boolean {
  if (value.length === 18) {
    if (!/^\d{17}[\dXx]$/.test(value) || !PROVINCE_CODES.has(value.slice(0, 2))) return false;
    const birth = calendarDate(Number(value.slice(6, 10)), Number(value.slice(10, 12)), Number(value.slice(12, 14)));
    return plausibleBirth(birth, now) && residentIdCheckChar(value) === value[17]!.toUpperCase();
  }
  if (value.length === 15) {
    if (!/^\d{15}$/.test(value) || !PROVINCE_CODES.has(value.slice(0, 2))) return false;
    return calendarDate(1900 + Number(value.slice(6, 8)), Number(value.slice(8, 10)), Number(value.slice(10, 12))) !== undefined;
  }
  return false;
}

const MOBILE = /^1(?:3\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\d|9[0-35-9])\d{8}$/;

/** The 11 national digits of a mainland mobile number written with or without +86 / 0086 and separators. */
export function mobileDigits(value: string): string | undefined {
  const compact = value.replace(/[\s-]/g, '');
  const national = compact.replace(/^(?:\+86|0086|86)(?=\d{11}$)/, '');
  return MOBILE.test(national) ? national : undefined;
}

export function isMobile(value: string): boolean {
  return mobileDigits(value) !== undefined;
}

// Major networks: Visa 4, Mastercard 51-55/22-27, Amex 34/37, JCB 35, Diners 30/36/38, UnionPay 62/60/65/81, legacy domestic 9.
const PLAUSIBLE_BIN = /^(?:4|5[1-5]|2[2-7]|3[045678]|6[025]|81|9)/;

/** Card digits when the value is 13–19 digits (spaces or dashes between groups allowed). */
export function cardDigits(value: string): string | undefined {
  if (!/^\d[\d -]{11,22}\d$/.test(value)) return undefined;
  const digits = value.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 ? digits : undefined;
}

export function isBankCard(value: string): boolean {
  const digits = cardDigits(value);
  return digits !== undefined && PLAUSIBLE_BIN.test(digits) && luhnValid(digits);
}

const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value) && !value.includes('..');
}

/** PRC passports: ordinary E/G + 8 digits, e-passport E + letter (no I/O) + 7 digits, diplomatic/service/official DE/SE/PE + 7 digits. */
const PASSPORT = /^(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7}|[DSP]E\d{7})$/;

export function isPassport(value: string): boolean {
  return PASSPORT.test(value);
}

/** GB 32100-2015 unified social credit code: 18 characters, division code digits, check character. */
export function isUscc(value: string): boolean {
  return value.length === 18 && /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(value) && usccCheckChar(value) === value[17];
}

/**
 * A unified social credit code whose embedded GB 11714 organization code (characters 9–17)
 * carries its own check character and whose division code opens with a real province: two
 * more checks than `isUscc`, for free text, where 18-character look-alikes are many.
 */
export function isUsccStrict(value: string): boolean {
  return isUscc(value) && PROVINCE_CODES.has(value.slice(2, 4)) && orgCodeCheckChar(value.slice(8, 16)) === value[16];
}

/**
 * A mainland fixed-line number with its area code: 010 or 02x + 8 digits, or a four-digit area
 * code (0[3-9]xx) + 7 or 8 digits; the local number never starts with 0 or 1. Parentheses,
 * spaces and dashes between the parts are allowed, as is an extension after `-` or `转`.
 */
export function isLandline(value: string): boolean {
  const m = /^\(?(0\d{2,3})\)?[ -]?([2-9]\d{6,7})(?:(?:-|转)\d{1,5})?$/.exec(value);
  if (m === null) return false;
  const [, area, local] = m as unknown as [string, string, string];
  if (area.length === 3) return (area === '010' || area[1] === '2') && local.length === 8;
  return /^0[3-9]\d\d$/.test(area);
}

// One-character province abbreviations that open a mainland plate.
const PLATE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][ ·•]?([A-HJ-NP-Z0-9]{5,6})$/;

/**
 * A mainland licence plate: province character, issuing-office letter, then five characters
 * (at most two letters, never I or O) or, on new-energy plates, six with D/F first or last.
 */
export function isLicencePlate(value: string): boolean {
  const m = PLATE.exec(value);
  if (m === null) return false;
  const serial = m[1]!;
  if (serial.length === 6) return /^[DF][A-HJ-NP-Z0-9]\d{4}$|^\d{5}[DF]$/.test(serial);
  const letters = serial.replace(/\d/g, '').length;
  return letters <= 2;
}

export function isIpAddress(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

const HAN = '\\u3400-\\u4dbf\\u4e00-\\u9fff';
const HAN_NAME = new RegExp(`^[${HAN}]{2,4}$`);
// Transliterated minority names: given name · family name.
const DOTTED_NAME = new RegExp(`^[${HAN}]{2,6}[·•][${HAN}]{2,8}$`);
// Endings that make a place, organisation or product, not a person.
const NOT_A_NAME = /[省市区县镇乡村路街道巷号楼店馆院局部厂司团行业科技公园站场所网宝机器品牌类型色型码]$/;
const SINGLE_SURNAMES: ReadonlySet<string> = new Set(SURNAMES);

/** A Chinese personal name: a known surname (single or compound) and one or two given-name characters. */
export function isChineseName(value: string): boolean {
  if (DOTTED_NAME.test(value)) return true;
  if (!HAN_NAME.test(value) || NOT_A_NAME.test(value)) return false;
  const compound = COMPOUND_SURNAMES.some((s) => value.startsWith(s));
  const given = value.length - (compound ? 2 : 1);
  return given >= 1 && given <= 2 && (compound || SINGLE_SURNAMES.has(value[0]!));
}

const ADDRESS_MARKERS = ['省', '自治区', '市', '区', '县', '镇', '乡', '村', '街道', '路', '街', '大道', '巷', '弄', '号', '栋', '幢', '单元', '室', '楼'];
const ENGLISH_ADDRESS = /^(?:No\.?\s*)?\d+[A-Za-z]?,?\s+[A-Za-z .'-]+\b(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|District)\b/i;

/** A postal address: Chinese with at least two division/street markers (or a province opening), or an English street address. */
export function isAddress(value: string): boolean {
  if (value.length < 6 || value.length > 200) return false;
  if (ENGLISH_ADDRESS.test(value)) return true;
  if (!/[\u4e00-\u9fff]/.test(value)) return false;
  let markers = 0;
  for (const marker of ADDRESS_MARKERS) if (value.includes(marker)) markers++;
  const opensWithProvince = PROVINCE_NAMES.some((p) => value.startsWith(p));
  return markers >= 2 || (opensWithProvince && markers >= 1);
}

/** A calendar date between 1900-01-01 and today: the value-level half of date-of-birth detection. */
export function isBirthDate(value: string, now: CalendarDate = today()): boolean {
  return plausibleBirth(parseDate(value), now);
}
