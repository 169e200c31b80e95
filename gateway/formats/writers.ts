import type { DataRecord, RecordFormat } from './types.ts';

/** Turns batches of records into text; one string per batch keeps writes few and large. */
export interface RecordSerializer {
  /** Text before the first record (CSV header, JSON `[`). */
  head(): string;
  batch(records: readonly DataRecord[]): string;
  /** Text after the last record (JSON `]`). */
  tail(): string;
}

/**
 * The text of a non-empty batch without what depends on the batch's place in the output, so
 * batches can be serialized on other threads and joined by an `OutputFrame` in order.
 */
export type BatchText = (records: readonly DataRecord[]) => string;

/** What surrounds the batch texts of one output; stateful, so one per output. */
export interface OutputFrame {
  head(): string;
  /** Text to write before the next non-empty batch's text. */
  before(): string;
  tail(): string;
}

const NEEDS_QUOTES = /[",\r\n]/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `=`, `+`, `-`, `@`, tab, CR: a spreadsheet reads a cell starting with one of these as a formula. */
function startsLikeFormula(text: string): boolean {
  const first = text.charCodeAt(0);
  return first === 0x3d || first === 0x2b || first === 0x2d || first === 0x40 || first === 0x09 || first === 0x0d;
}

/**
 * One CSV field: absent values are empty, objects are JSON, quoting per RFC 4180 when needed.
 * A value a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM(…)`, `-2+3`) gets a
 * leading `'` (OWASP CSV injection rule); numbers such as `-12.5` stay as they are.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (startsLikeFormula(text) && !NUMBER.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvText(columns: readonly string[], eol: string): BatchText {
  return (records) => {
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
  };
}

const ndjsonText: BatchText = (records) => {
  let out = '';
  for (const record of records) out += JSON.stringify(record) + '\n';
  return out;
};

/** Elements joined by `,\n`; the frame puts `\n` or `,\n` before each batch. */
const jsonArrayText: BatchText = (records) => {
  let out = '';
  for (let i = 0; i < records.length; i++) out += (i === 0 ? '' : ',\n') + JSON.stringify(records[i]);
  return out;
};

const plainFrame = (head: string): OutputFrame => ({ head: () => head, before: () => '', tail: () => '' });

function jsonArrayFrame(): OutputFrame {
  let first = true;
  return {
    head: () => '[',
    before() {
      const text = first ? '\n' : ',\n';
      first = false;
      return text;
    },
    tail: () => (first ? ']\n' : '\n]\n'),
  };
}

function serializer(text: BatchText, frame: OutputFrame): RecordSerializer {
  return { head: frame.head, batch: (records) => (records.length === 0 ? '' : frame.before() + text(records)), tail: frame.tail };
}

const CRLF = '\r\n';
const csvHead = (columns: readonly string[], eol: string): string => columns.map(csvField).join(',') + eol;

/** RFC 4180 lines end in CRLF. `columns` fixes the order; fields outside it are not written. */
export function csvSerializer(columns: readonly string[], eol = CRLF): RecordSerializer {
  return serializer(csvText(columns, eol), plainFrame(csvHead(columns, eol)));
}

export function ndjsonSerializer(): RecordSerializer {
  return serializer(ndjsonText, plainFrame(''));
}

export function jsonArraySerializer(): RecordSerializer {
  return serializer(jsonArrayText, jsonArrayFrame());
}

/** CSV needs its columns up front; the others take each record's own fields. */
export function serializerFor(format: RecordFormat, columns: readonly string[]): RecordSerializer {
  return serializer(batchTextFor(format, columns), frameFor(format, columns));
}

export function batchTextFor(format: RecordFormat, columns: readonly string[]): BatchText {
  if (format === 'csv') return csvText(columns, CRLF);
  return format === 'ndjson' ? ndjsonText : jsonArrayText;
}

export function frameFor(format: RecordFormat, columns: readonly string[]): OutputFrame {
  if (format === 'csv') return plainFrame(csvHead(columns, CRLF));
  return format === 'ndjson' ? plainFrame('') : jsonArrayFrame();
}
