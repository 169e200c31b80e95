import { SluiceError } from '../../common/index.ts';

/** Query members every list route takes: a page size and the cursor the previous page ended on. */
export const pageQuery = {
  limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
  after: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,200}$' },
} as const;

export const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

export interface Page {
  limit: number;
  /** The newest row to skip past, or none for the first page. */
  after: { createdAt: string; id: string } | undefined;
}

/** Lists run newest first; a cursor is the (created_at, id) of the last row shown, opaque to clients. */
export function readPage(query: { limit?: string; after?: string }): Page {
  const limit = Math.min(Number(query.limit ?? DEFAULT_PAGE), MAX_PAGE);
  if (query.after === undefined) return { limit, after: undefined };
  const decoded = Buffer.from(query.after, 'base64url').toString('utf8');
  const split = decoded.indexOf('|');
  const createdAt = decoded.slice(0, split);
  const id = decoded.slice(split + 1);
  if (split < 0 || Number.isNaN(Date.parse(createdAt)) || !/^[a-z]{2,3}_[0-9a-f]{32}$/.test(id)) {
    throw new SluiceError('VALIDATION_FAILED', 'after is not a cursor this server issued', { field: 'after' });
  }
  return { limit, after: { createdAt, id } };
}

/**
 * Splits rows fetched with `limit + 1` into the page and the cursor of the next one (null when
 * this page is the last).
 */
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => { createdAt: string; id: string }): { items: T[]; next: string | null } {
  if (rows.length <= limit) return { items: rows, next: null };
  const items = rows.slice(0, limit);
  const last = key(items[items.length - 1]!);
  return { items, next: Buffer.from(`${last.createdAt}|${last.id}`, 'utf8').toString('base64url') };
}
