export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

// Year first, with -, /, . or nothing between parts; an optional time part is ignored.
const NUMERIC = /^(\d{4})([-/.]?)(\d{1,2})\2(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const CJK = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/;

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * A calendar date written year first (`1985-03-12`, `1985/3/12`, `19850312`, `1985年3月12日`,
 * ISO date-times), or a `Date`; undefined for anything else or an impossible day.
 * Day-first and month-first forms are ambiguous, so they are not guessed.
 */
export function parseDate(value: unknown): CalendarDate | undefined {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? undefined : { year: value.getUTCFullYear(), month: value.getUTCMonth() + 1, day: value.getUTCDate() };
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const m = NUMERIC.exec(text) ?? CJK.exec(text);
  if (m === null) return undefined;
  const numeric = m.length === 5;
  const [year, month, day] = numeric ? [m[1], m[3], m[4]] : [m[1], m[2], m[3]];
  // Without separators only the fixed-width YYYYMMDD form is unambiguous.
  if (numeric && m[2] === '' && (m[3]!.length !== 2 || m[4]!.length !== 2)) return undefined;
  return calendarDate(Number(year), Number(month), Number(day));
}

export function calendarDate(year: number, month: number, day: number): CalendarDate | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export function today(now: Date = new Date()): CalendarDate {
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
}
