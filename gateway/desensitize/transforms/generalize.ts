import { parseDate } from '../../discovery/index.ts';
import { onText, UNUSABLE, type ValueTransform } from './values.ts';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Keeps x = k·step on the upper side of a bucket boundary despite binary rounding (0.3 / 0.1).
const BOUNDARY_SLACK = 1e-9;

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return NUMBER.test(text) ? Number(text) : undefined;
}

function decimalsOf(step: number): number {
  const [mantissa = '', exponent] = String(step).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.min(20, Math.max(0, fraction - Number(exponent ?? 0)));
}

/**
 * Buckets of width `step` starting at multiples of it. Integer steps give inclusive integer
 * labels as ages are usually written: 37 → "30-39", 39.5 → "30-39", −5 → "-10--1". Fractional
 * steps give half-open labels with the step's decimals: 1.26 with step 0.5 → "1.0-1.5"
 * (1.0 ≤ x < 1.5). Anything that is not a finite number is unusable.
 */
export function createNumberGeneralizer(step: number): ValueTransform {
  const integral = Number.isInteger(step);
  const decimals = decimalsOf(step);
  return (value) => {
    if (value === '') return '';
    const x = numberOf(value);
    if (x === undefined) return UNUSABLE;
    const low = Math.floor(x / step + BOUNDARY_SLACK) * step;
    if (integral) return `${low === 0 ? 0 : low}-${low + step - 1}`;
    return `${low.toFixed(decimals)}-${(low + step).toFixed(decimals)}`;
  };
}

/**
 * A year-first date (see `parseDate`) reduced to "1985" or "1985-03"; other values are unusable.
 * Date-times keep the calendar date as written (no time-zone shift); Date objects are read in UTC.
 */
export function createDateGeneralizer(to: 'year' | 'month'): ValueTransform {
  return onText((text) => {
    const date = parseDate(text);
    if (date === undefined) return UNUSABLE;
    const year = String(date.year).padStart(4, '0');
    return to === 'year' ? year : `${year}-${String(date.month).padStart(2, '0')}`;
  });
}
