import { fail } from '../../common/errors.ts';

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote seen inside a quoted field: either an escaped quote or the field's end. */
  QuoteSeen,
}

/** Receives each completed row and the physical line it started on. */
export type RowSink = (fields: string[], line: number) => void;

/**
 * Incremental RFC 4180 tokenizer: text arrives in arbitrary chunks, rows leave through the
 * sink as soon as they are complete. Fields are sliced out of the chunk rather than built
 * character by character; only a field split across chunks or containing escaped quotes is
 * assembled. CRLF, LF and lone CR all end a row. Errors name lines, never content.
 */
export class CsvTokenizer {
  private fields: string[] = [];
  private partial = '';
  private state = State.FieldStart;
  private skipLf = false;
  private line = 1;
  private rowLine = 1;
  private rowChars = 0;

  constructor(
    private readonly sink: RowSink,
    private readonly maxRowChars: number,
  ) {}

  write(text: string): void {
    const n = text.length;
    let i = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (n > 0 && text.charCodeAt(0) === LF) i = 1;
    }
    let rowStart = i;
    let start = i;
    while (i < n) {
      const state = this.state;
      if (state === State.FieldStart || state === State.Unquoted) {
        if (state === State.FieldStart) {
          if (text.charCodeAt(i) === QUOTE) {
            this.state = State.Quoted;
            start = ++i;
            continue;
          }
          this.state = State.Unquoted;
          start = i;
        }
        let j = i;
        let c = 0;
        for (; j < n; j++) {
          c = text.charCodeAt(j);
          if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
        }
        if (j === n) {
          this.partial += text.slice(start, n);
          i = n;
          break;
        }
        if (c === QUOTE) throw fail.validation('CSV: quote inside an unquoted field', { line: this.line });
        this.fields.push(this.partial.length === 0 ? text.slice(start, j) : this.partial + text.slice(start, j));
        this.partial = '';
        if (c === COMMA) {
          this.state = State.FieldStart;
          i = j + 1;
        } else {
          i = this.endRow(text, j, c);
          rowStart = i;
        }
      } else if (state === State.Quoted) {
        const q = text.indexOf('"', i);
        const stop = q === -1 ? n : q;
        for (let k = text.indexOf('\n', i); k !== -1 && k < stop; k = text.indexOf('\n', k + 1)) this.line++;
        this.partial += text.slice(start, stop);
        if (q === -1) {
          i = n;
          break;
        }
        this.state = State.QuoteSeen;
        i = q + 1;
      } else {
        const c = text.charCodeAt(i);
        if (c === QUOTE) {
          this.partial += '"';
          this.state = State.Quoted;
          start = ++i;
        } else if (c === COMMA) {
          this.fields.push(this.partial);
          this.partial = '';
          this.state = State.FieldStart;
          i++;
        } else if (c === LF || c === CR) {
          this.fields.push(this.partial);
          this.partial = '';
          i = this.endRow(text, i, c);
          rowStart = i;
        } else {
          throw fail.validation('CSV: unexpected character after a closing quote', { line: this.line });
        }
      }
    }
    if (this.fields.length > 0 || this.state !== State.FieldStart) {
      this.rowChars += n - rowStart;
      if (this.rowChars > this.maxRowChars) {
        throw fail.validation('CSV: record exceeds the size limit', { line: this.rowLine, limit: this.maxRowChars });
      }
    }
  }

  /** Flushes the last row when the input does not end with a line break. */
  end(): void {
    if (this.state === State.Quoted) throw fail.validation('CSV: unterminated quoted field', { line: this.rowLine });
    if (this.state !== State.FieldStart || this.fields.length > 0) {
      this.fields.push(this.partial);
      this.partial = '';
      this.emit();
    }
  }

  /** Returns the index after the row's line break. */
  private endRow(text: string, at: number, c: number): number {
    this.emit();
    this.line++;
    if (c === CR) {
      if (at + 1 === text.length) this.skipLf = true;
      else if (text.charCodeAt(at + 1) === LF) return at + 2;
    }
    return at + 1;
  }

  private emit(): void {
    const fields = this.fields;
    this.fields = [];
    this.state = State.FieldStart;
    this.rowChars = 0;
    const line = this.rowLine;
    this.rowLine = this.line + 1;
    this.sink(fields, line);
  }
}
