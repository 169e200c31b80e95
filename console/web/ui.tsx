import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { useI18n } from './i18n.tsx';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

/** Runs `load` on mount and whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: describeError(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export function Note({ kind, children }: { kind: 'error' | 'ok' | 'warn' | 'info'; children: ComponentChildren }) {
  return (
    <p class={`note note-${kind}`} role={kind === 'error' || kind === 'warn' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

/** Loading and error states of a `useLoad`, then the content. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  const { t } = useI18n();
  if (loaded.error) return <Note kind="error">{t('error', { message: loaded.error })}</Note>;
  if (loaded.data === undefined) return <p aria-busy="true">{t('loading')}</p>;
  return <>{children(loaded.data)}</>;
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return <span class={`badge badge-${status}`}>{t(`status.${status}`)}</span>;
}

export function Progress({ value, label }: { value: number; label: string }) {
  return (
    <progress max={1} value={value} aria-label={label}>
      {Math.round(value * 100)}%
    </progress>
  );
}

export function Empty() {
  const { t } = useI18n();
  return <p class="empty">{t('empty')}</p>;
}

/** The `items` of each section as buttons in a labelled navigation bar. */
export function SectionNav<K extends string>({ items, current, onSelect }: { items: K[]; current: K; onSelect: (k: K) => void }) {
  const { t } = useI18n();
  return (
    <nav aria-label={t('sections')} class="sections">
      <ul>
        {items.map((item) => (
          <li key={item}>
            <button type="button" aria-current={item === current ? 'page' : undefined} onClick={() => onSelect(item)}>
              {t(item)}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export interface Column<T> {
  title: string;
  cell(row: T): ComponentChildren;
}

/** A captioned table whose first column heads each row (what screen readers announce per cell). */
export function DataTable<T>({ caption, columns, rows, rowKey }: { caption: string; columns: Column<T>[]; rows: T[]; rowKey(row: T): string }) {
  const [first, ...rest] = columns;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.title} scope="col">
              {c.title}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            <th scope="row">{first?.cell(row)}</th>
            {rest.map((c) => (
              <td key={c.title}>{c.cell(row)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The sections of one person's console, each a view, behind a labelled navigation bar. */
export function Sections<K extends string>({ views, initial }: { views: Record<K, () => ComponentChildren>; initial: NoInfer<K> }) {
  const [current, setCurrent] = useState<K>(initial);
  return (
    <>
      <SectionNav items={Object.keys(views) as K[]} current={current} onSelect={setCurrent} />
      <main id="main" tabIndex={-1}>
        {views[current]()}
      </main>
    </>
  );
}

export function shortDate(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').slice(0, 16) : '';
}

/**
 * Horizontal bars, one per bucket, drawn in SVG with the figures also given as a table, so the
 * chart is readable without sight (role="img" with a spoken summary, and the data behind it).
 */
export function BarChart({ title, buckets, label }: { title: string; buckets: Array<{ key: string; records: number; transfers: number }>; label: (key: string) => string }) {
  const { t } = useI18n();
  const max = Math.max(1, ...buckets.map((b) => b.records));
  const row = 28;
  const width = 560;
  const labelWidth = 170;
  const summary = t('chartSummary', { title, items: buckets.map((b) => `${label(b.key)} ${b.records}`).join(', ') || t('empty') });
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {buckets.length === 0 ? (
        <Empty />
      ) : (
        <svg role="img" aria-label={summary} viewBox={`0 0 ${width} ${buckets.length * row + 8}`} width="100%">
          {buckets.map((b, i) => {
            const barWidth = Math.max(2, ((width - labelWidth - 70) * b.records) / max);
            return (
              <g key={b.key} transform={`translate(0 ${i * row + 4})`}>
                <text x={labelWidth - 8} y={row / 2 + 4} text-anchor="end" class="chart-label">
                  {label(b.key)}
                </text>
                <rect x={labelWidth} y={4} width={barWidth} height={row - 10} class="chart-bar" />
                <text x={labelWidth + barWidth + 6} y={row / 2 + 4} class="chart-value">
                  {b.records}
                </text>
              </g>
            );
          })}
        </svg>
      )}
      <details>
        <summary>{t('showData')}</summary>
        <DataTable
          caption={title}
          rows={buckets}
          rowKey={(b) => b.key}
          columns={[
            { title, cell: (b) => label(b.key) },
            { title: t('transfersCount'), cell: (b) => b.transfers },
            { title: t('records'), cell: (b) => b.records },
          ]}
        />
      </details>
    </figure>
  );
}
