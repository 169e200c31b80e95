import { useState } from 'preact/hooks';
import { type Api, ApiError, query } from './api.ts';
import { useI18n } from './i18n.tsx';
import { remember, remembered } from './session.ts';
import type { Filing, Flows, Party, Transfer } from './types.ts';
import { BarChart, DataTable, describeError, Empty, Note, Sections, Show, shortDate, useLoad } from './ui.tsx';
import { anchorsOfHead, checkConsistency, checkHead, parseTrustAnchors, sameAnchors, verifyReceiptBody, type SignedTreeHead, type TrustAnchors } from './verifier.ts';

/** A regulator: the ledger's growth, receipts verified in the page against pinned anchors, filings, flows. */
export function RegulatorConsole({ api, me }: { api: Api; me: Party }) {
  const [trust, setTrustState] = useState<TrustAnchors | null>(() => remembered<TrustAnchors>('trust', me.id));
  const setTrust = (anchors: TrustAnchors | null) => {
    remember('trust', me.id, anchors);
    setTrustState(anchors);
  };
  return (
    <Sections
      initial="receipts"
      views={{
        ledger: () => <LedgerHead api={api} me={me} trust={trust} />,
        receipts: () => <Receipts api={api} trust={trust} />,
        trust: () => <TrustAnchorsView api={api} trust={trust} setTrust={setTrust} />,
        filings: () => <Filings api={api} />,
        flows: () => <FlowCharts api={api} />,
      }}
    />
  );
}

function NeedAnchors() {
  const { t } = useI18n();
  return <Note kind="warn">{t('noAnchors')}</Note>;
}

/**
 * The current head, checked against the anchors, and against the last head this regulator
 * confirmed (kept in this browser) by a consistency proof: a rewritten history cannot pass.
 */
function LedgerHead({ api, me, trust }: { api: Api; me: Party; trust: TrustAnchors | null }) {
  const { t } = useI18n();
  const head = useLoad(() => api.get<SignedTreeHead>('/v1/ledger/head'), []);
  const [last, setLast] = useState<SignedTreeHead | null>(() => remembered<SignedTreeHead>('head', me.id));
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const check = async () => {
    if (!trust) return;
    try {
      if (!last) {
        const current = await api.get<SignedTreeHead>('/v1/ledger/head');
        const verdict = checkHead(current, trust);
        if (!verdict.valid) return setResult({ kind: 'error', text: t('headInvalid', { reason: verdict.reason ?? '' }) });
        remember('head', me.id, current);
        setLast(current);
        return setResult({ kind: 'ok', text: t('firstHead', { size: current.treeSize }) });
      }
      const { head: current, proof } = await api.get<{ head: SignedTreeHead; proof: string[] }>(`/v1/ledger/consistency?fromSize=${last.treeSize}`);
      const verdict = checkConsistency(last, current, proof, trust);
      if (!verdict.valid) return setResult({ kind: 'error', text: t('inconsistent', { reason: verdict.reason ?? '' }) });
      remember('head', me.id, current);
      setLast(current);
      setResult({ kind: 'ok', text: t('consistent', { from: last.treeSize, to: current.treeSize }) });
    } catch (error) {
      setResult({ kind: 'error', text: describeError(error) });
    }
  };
  const describe = (h: SignedTreeHead) => (
    <dl>
      <dt>{t('treeSize')}</dt>
      <dd>{h.treeSize}</dd>
      <dt>{t('block')}</dt>
      <dd>{h.blockHeight}</dd>
      <dt>{t('root')}</dt>
      <dd>
        <code class="wrap">{h.rootHash}</code>
      </dd>
      <dt>{t('time')}</dt>
      <dd>{shortDate(h.timestamp)}</dd>
      <dt>{t('signedBy')}</dt>
      <dd>{h.signatures.map((s) => `${s.org} (${s.alg})`).join(', ')}</dd>
    </dl>
  );
  return (
    <section aria-labelledby="ledger-title">
      <h2 id="ledger-title">{t('headTitle')}</h2>
      {!trust && <NeedAnchors />}
      <Show loaded={head}>{describe}</Show>
      <h3>{t('lastSeen')}</h3>
      {last ? describe(last) : <Empty />}
      <button type="button" onClick={check} disabled={!trust}>
        {t('checkConsistency')}
      </button>
      {result && <Note kind={result.kind}>{result.text}</Note>}
    </section>
  );
}

type Verdict = { kind: 'ok' | 'error'; text: string };

function Receipts({ api, trust }: { api: Api; trust: TrustAnchors | null }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState<{ exporterId?: string; recipientId?: string; contractId?: string; from?: string; to?: string }>({});
  const transfers = useLoad(() => api.get<{ transfers: Transfer[] }>(`/v1/transfers${query({ ...filter, limit: '100' })}`), [JSON.stringify(filter)]);
  const [verdicts, setVerdicts] = useState<Record<string, Verdict>>({});
  const [fileVerdict, setFileVerdict] = useState<Verdict | null>(null);

  const judge = (body: unknown): Verdict => {
    const result = verifyReceiptBody(body, trust!);
    return result.valid ? { kind: 'ok', text: t('valid', { detail: result.detail ?? '' }) } : { kind: 'error', text: t('invalid', { reason: result.reason ?? '' }) };
  };
  const verify = async (id: string) => {
    try {
      const body = await api.get<unknown>(`/v1/transfers/${id}/receipt`);
      setVerdicts((v) => ({ ...v, [id]: judge(body) }));
    } catch (error) {
      setVerdicts((v) => ({ ...v, [id]: { kind: 'error', text: describeError(error) } }));
    }
  };
  const verifyText = (text: string) => {
    try {
      setFileVerdict(judge(JSON.parse(text)));
    } catch {
      setFileVerdict({ kind: 'error', text: t('invalid', { reason: t('notJson') }) });
    }
  };
  const search = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim() || undefined;
    setFilter({ exporterId: value('exporterId'), recipientId: value('recipientId'), contractId: value('contractId'), from: value('from'), to: value('to') });
  };

  return (
    <section aria-labelledby="receipts-title">
      <h2 id="receipts-title">{t('receipts')}</h2>
      {!trust && <NeedAnchors />}
      <form class="search" onSubmit={search} role="search">
        <label>
          {t('exporter')}
          <input name="exporterId" pattern="[a-z]{2,3}_[0-9a-f]{32}" />
        </label>
        <label>
          {t('recipient')}
          <input name="recipientId" pattern="[a-z]{2,3}_[0-9a-f]{32}" />
        </label>
        <label>
          {t('contract')}
          <input name="contractId" pattern="[a-z]{2,3}_[0-9a-f]{32}" />
        </label>
        <label>
          {t('from')}
          <input name="from" type="date" />
        </label>
        <label>
          {t('to')}
          <input name="to" type="date" />
        </label>
        <button type="submit">{t('search')}</button>
      </form>
      <Show loaded={transfers}>
        {({ transfers: list }) =>
          list.length === 0 ? (
            <Empty />
          ) : (
            <DataTable
              caption={t('receipts')}
              rows={list}
              rowKey={(tr) => tr.id}
              columns={[
                { title: t('id'), cell: (tr) => <code>{tr.id}</code> },
                { title: t('exporter'), cell: (tr) => tr.exporterName },
                { title: t('recipient'), cell: (tr) => tr.recipientName },
                { title: t('destination'), cell: (tr) => tr.destination?.country },
                { title: t('records'), cell: (tr) => tr.records },
                { title: t('created'), cell: (tr) => shortDate(tr.createdAt) },
                {
                  title: t('verify'),
                  cell: (tr) => (
                    <>
                      <button type="button" disabled={!trust} onClick={() => verify(tr.id)}>
                        {t('verify')}
                        <span class="sr-only"> {tr.id}</span>
                      </button>
                      {verdicts[tr.id] && (
                        <span class={`verdict verdict-${verdicts[tr.id]!.kind}`} role="status">
                          {verdicts[tr.id]!.text}
                        </span>
                      )}
                    </>
                  ),
                },
              ]}
            />
          )
        }
      </Show>
      <h3>{t('verifyFile')}</h3>
      <label>
        {t('receiptFile')}
        <input
          type="file"
          accept=".json,application/json"
          disabled={!trust}
          onChange={async (e) => {
            const file = (e.currentTarget as HTMLInputElement).files?.[0];
            if (file) verifyText(await file.text());
          }}
        />
      </label>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          verifyText(((e.currentTarget as HTMLFormElement).elements.namedItem('receipt') as HTMLTextAreaElement).value);
        }}
      >
        <label>
          {t('receiptText')}
          <textarea name="receipt" rows={6} spellcheck={false} />
        </label>
        <button type="submit" disabled={!trust}>
          {t('verifyText')}
        </button>
      </form>
      {fileVerdict && <Note kind={fileVerdict.kind}>{fileVerdict.text}</Note>}
    </section>
  );
}

/**
 * The anchors receipts are verified against. Best pinned from a file the operator hands over
 * (the `sluice verify --trust` format); fetching them from the gateway is trust on first use,
 * after which any change is flagged.
 */
function TrustAnchorsView({ api, trust, setTrust }: { api: Api; trust: TrustAnchors | null; setTrust(t: TrustAnchors | null): void }) {
  const { t } = useI18n();
  const [message, setMessage] = useState<Verdict | null>(null);
  const served = useLoad(() => gatewayAnchors(api), []);
  const pinText = (text: string) => {
    const parsed = parseTrustAnchors(text);
    if (typeof parsed === 'string') return setMessage({ kind: 'error', text: t('invalid', { reason: parsed }) });
    setTrust(parsed);
    setMessage({ kind: 'ok', text: t('pinnedOk') });
  };
  const pinServed = async () => {
    try {
      setTrust(await gatewayAnchors(api));
      setMessage({ kind: 'ok', text: t('pinnedOk') });
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };
  return (
    <section aria-labelledby="trust-title">
      <h2 id="trust-title">{t('trust')}</h2>
      {trust && served.data && !sameAnchors(trust, served.data) && <Note kind="warn">{t('trustChanged')}</Note>}
      <h3>{t('anchorsPinned')}</h3>
      {trust ? (
        <DataTable
          caption={t('anchorsPinned')}
          rows={Object.entries(trust.orgs)}
          rowKey={([org]) => org}
          columns={[
            { title: t('org'), cell: ([org]) => org },
            {
              title: t('keys'),
              cell: ([, keys]) =>
                keys.map((k) => (
                  <code key={k} class="wrap">
                    {k}
                  </code>
                )),
            },
          ]}
        />
      ) : (
        <Empty />
      )}
      <div class="actions">
        <button type="button" onClick={pinServed}>
          {t('pinFromGateway')}
        </button>
        {trust && (
          <button type="button" class="danger" onClick={() => setTrust(null)}>
            {t('unpin')}
          </button>
        )}
      </div>
      <label>
        {t('pinFromFile')}
        <input
          type="file"
          accept=".json,application/json"
          onChange={async (e) => {
            const file = (e.currentTarget as HTMLInputElement).files?.[0];
            if (file) pinText(await file.text());
          }}
        />
      </label>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          pinText(((e.currentTarget as HTMLFormElement).elements.namedItem('anchors') as HTMLTextAreaElement).value);
        }}
      >
        <label>
          {t('pinFromText')}
          <textarea name="anchors" rows={5} spellcheck={false} />
        </label>
        <button type="submit">{t('pin')}</button>
      </form>
      {message && <Note kind={message.kind}>{message.text}</Note>}
    </section>
  );
}

/**
 * The anchors this gateway declares (`GET /v1/ledger/trust`); from a gateway without that route,
 * the organizations and keys that signed its current tree head.
 */
async function gatewayAnchors(api: Api): Promise<TrustAnchors> {
  try {
    const served = await api.get<unknown>('/v1/ledger/trust');
    const parsed = parseTrustAnchors(JSON.stringify(served));
    if (typeof parsed === 'string') throw new Error(parsed);
    return parsed;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    return anchorsOfHead(await api.get<SignedTreeHead>('/v1/ledger/head'));
  }
}

function Filings({ api }: { api: Api }) {
  const { t } = useI18n();
  const filings = useLoad(() => api.get<{ filings: Filing[] }>('/v1/regulator/filings'), []);
  return (
    <section aria-labelledby="filings-title">
      <h2 id="filings-title">{t('filings')}</h2>
      <Show loaded={filings}>
        {({ filings: list }) =>
          list.length === 0 ? (
            <Empty />
          ) : (
            <DataTable
              caption={t('filings')}
              rows={list}
              rowKey={(f) => `${f.exporterId}/${f.reference}`}
              columns={[
                { title: t('exporter'), cell: (f) => f.exporterName ?? f.exporterId },
                { title: t('mechanism'), cell: (f) => f.mechanism },
                { title: t('reference'), cell: (f) => f.reference },
                { title: t('validFrom'), cell: (f) => f.validFrom },
                { title: t('validUntil'), cell: (f) => f.validUntil },
                { title: t('recorded'), cell: (f) => shortDate(f.recordedAt) },
              ]}
            />
          )
        }
      </Show>
    </section>
  );
}

function FlowCharts({ api }: { api: Api }) {
  const { t } = useI18n();
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const flows = useLoad(() => api.get<Flows>(`/v1/regulator/flows?year=${year}`), [year]);
  return (
    <section aria-labelledby="flows-title">
      <h2 id="flows-title">{t('flows')}</h2>
      <label>
        {t('year')}
        <input type="number" min={2000} max={2100} value={year} onChange={(e) => setYear((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <Show loaded={flows}>
        {(f) => (
          <>
            <p>{t('total', { transfers: f.totals.transfers, records: f.totals.records })}</p>
            <div class="charts">
              <BarChart title={t('byDestination')} buckets={f.byDestination} label={(k) => k} />
              <BarChart title={t('byCategory')} buckets={f.byCategory} label={(k) => t(`category.${k}`)} />
              <BarChart title={t('byMechanism')} buckets={f.byMechanism} label={(k) => t(`mechanism.${k}`)} />
              <BarChart title={t('byMonth')} buckets={f.byMonth} label={(k) => k} />
            </div>
          </>
        )}
      </Show>
    </section>
  );
}
