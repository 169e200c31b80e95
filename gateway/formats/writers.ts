import type { DataRecord, RecordFormat } from './types.ts';

/** Turns batches of records into text; one string per batch keeps writes few and large. */
export interface RecordSerializer {
  /** Text before the first record (CSV header, JSON `[`). */
  head(): string;
  batch(records: DataRecord[]): string;
  /** Text after the last record (JSON `]`). */
  tail(): string;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field: absent values are empty, objects are JSON, quoting per RFC 4180 when needed. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 lines end in CRLF. `columns` fixes the order; fields outside it are not written. */
export function csvSerializer(columns: readonly string[], eol = '\r\n'): RecordSerializer {
  return {
    head: () => columns.map(csvField).join(',') + eol,
    batch(records) {
      let out = '';
      for (const record of records) {
        let line = '';
        for (let i = 0; i < columns.length; i++) {
          if (i > 0) line += ',';
          line += csvField(record[columns[i]!]);
        }
        out += line + eol;
      }
      return out;
    },
    tail: () => '',
  };
}

export function ndjsonSerializer(): RecordSerializer {
  return {
    head: () => '',
    batch(records) {
      let out = '';
      for (const record of records) out += JSON.stringify(record) + '\n';
      return out;
    },
    tail: () => '',
  };
}

export function jsonArraySerializer(): RecordSerializer {
  let first = true;
  return {
    head: () => '[',
    batch(records) {
      let out = '';
      for (const record of records) {
        out += (first ? '\n' : ',\n') + JSON.stringify(record);
        first = false;
      }
      return out;
    },
    tail: () => (first ? ']\n' : '\n]\n'),
  };
}

/** CSV needs its columns up front; the others take each record's own fields. */
export function serializerFor(format: RecordFormat, columns: readonly string[]): RecordSerializer {
  if (format === 'csv') return csvSerializer(columns);
  return format === 'ndjson' ? ndjsonSerializer() : jsonArraySerializer();
}
