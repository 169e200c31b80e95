/** Markdown helpers for reports whose values come from users (names, purposes, locations). */

/**
 * Inline text: no line breaks, and the characters that make emphasis, code, links, HTML or table
 * cells escaped. Values only ever appear after a list marker or inside a cell, never at a line
 * start, so heading and list markers need no escaping.
 */
export function inline(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  return String(value)
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*_[\]|<>~])/g, '\\$1');
}

export function table(header: string[], rows: Array<Array<string | number | boolean | null | undefined>>): string {
  if (rows.length === 0) return '_None recorded._';
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header.map(inline)), line(header.map(() => '---')), ...rows.map((r) => line(r.map(inline)))].join('\n');
}

export function list(items: string[]): string {
  return items.length === 0 ? '_None recorded._' : items.map((i) => `- ${inline(i)}`).join('\n');
}
