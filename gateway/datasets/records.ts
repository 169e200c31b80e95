import { SluiceError } from '../../common/index.ts';
import type { DatasetField } from './schemas.ts';

export type Value = string | number | boolean | null;
export type DataRecord = Record<string, Value>;

const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function invalid(row: number, field: string, expected: string): SluiceError {
  return new SluiceError('VALIDATION_FAILED', `record ${row}: field ${field} must be ${expected}`, { row, field });
}

/**
 * Checks one uploaded record against the dataset schema and normalizes CSV's strings to the
 * declared types. Unknown fields are refused rather than silently stored: what is stored is
 * exactly what the owner declared and contracts refer to.
 */
export function coerceRecord(raw: Record<string, unknown>, fields: DatasetField[], row: number): DataRecord {
  const out: DataRecord = {};
  for (const key of Object.keys(raw)) {
    if (!fields.some((f) => f.name === key)) {
      // The unknown name is not echoed: a misaligned upload can put personal values where names go.
      throw new SluiceError('VALIDATION_FAILED', `record ${row} has a field that is not in the dataset schema`, { row });
    }
  }
  for (const field of fields) {
    out[field.name] = coerceValue(raw[field.name], field, row);
  }
  return out;
}

function coerceValue(value: unknown, field: DatasetField, row: number): Value {
  if (value === undefined || value === null || value === '') return null;
  switch (field.type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      throw invalid(row, field.name, 'a string');
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw invalid(row, field.name, 'a number');
      return n;
    }
    case 'date':
      if (typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))) return value;
      throw invalid(row, field.name, 'an ISO 8601 date');
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw invalid(row, field.name, 'a boolean');
  }
}
