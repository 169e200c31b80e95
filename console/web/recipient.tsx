import { useEffect, useState } from 'preact/hooks';
import { type Api, query, saveFile } from './api.ts';
import { PlainTerms } from './contract-view.tsx';
import { useI18n, type I18n } from './i18n.tsx';
import type { Contract, Dataset, Party, Transfer } from './types.ts';
import { DataTable, describeError, Empty, Note, Progress, Sections, Show, shortDate, StatusBadge, useLoad } from './ui.tsx';

/** An overseas recipient: the contracts naming it, its transfers with their progress, the packages. */
export function RecipientConsole({ api, me }: { api: Api; me: Party }) {
  return (
    <Sections
      initial="contracts"
      views={{ contracts: () => <RecipientContracts api={api} />, transfers: () => <TransfersList api={api} me={me} role="recipient" /> }}
    />
  );
}

function RecipientContracts({ api }: { api: Api }) {
  const { t } = useI18n();
  const contracts = useLoad(() => api.get<{ contracts: Contract[] }>('/v1/contracts?role=recipient&limit=200'), []);
  return (
    <section aria-labelledby="rcontracts-title">
      <h2 id="rcontracts-title">{t('contracts')}</h2>
      <Show loaded={contracts}>
        {({ contracts: list }) =>
          list.length === 0 ? (
            <Empty />
          ) : (
            <ul class="list">
              {list.map((c) => (
                <li key={c.id} class="card">
                  <h3>
                    {c.ownerName} · {c.datasetName}
                  </h3>
                  <RecipientContract api={api} contract={c} />
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function RecipientContract({ api, contract }: { api: Api; contract: Contract }) {
  const { datasetId } = contract.terms;
  const dataset = useLoad(async () => (datasetId ? api.get<Dataset>(`/v1/datasets/${datasetId}`) : { fields: [] }), [contract.id]);
  return <Show loaded={dataset}>{(d) => <PlainTerms contract={contract} fields={d.fields} />}</Show>;
}

/** How often the list is read again while a transfer in it is running. */
const POLL_MS = 1000;

/**
 * Transfers the party received, newest first, each with its status and progress (background
 * transfers included, from `GET /v1/transfers`) and, once completed, its package. While any is
 * running the list is read again every second; the one requested here is announced when it ends.
 */
export function TransfersList({ api, me, role }: { api: Api; me: Party; role: 'recipient' }) {
  const { t } = useI18n();
  const transfers = useLoad(() => api.get<{ transfers: Transfer[] }>(`/v1/transfers${query({ recipientId: me.id, limit: '200' })}`), []);
  const contracts = useLoad(() => api.get<{ contracts: Contract[] }>(`/v1/contracts${query({ role, status: 'approved', limit: '200' })}`), []);
  const [requesting, setRequesting] = useState(false);
  const [watching, setWatching] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error' | 'info'; text: string } | null>(null);
  const list = transfers.data?.transfers;

  const running = list?.some((tr) => tr.status === 'running') ?? false;
  const { reload } = transfers;
  useEffect(() => {
    if (!running || transfers.loading) return undefined;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [running, transfers.loading, list, reload]);

  const watched = list?.find((tr) => tr.id === watching);
  useEffect(() => {
    if (!watched || watched.status === 'running') return;
    setWatching(null);
    setMessage(watched.status === 'completed' ? { kind: 'ok', text: t('transferDone', { id: watched.id, records: watched.records }) } : { kind: 'error', text: failedText(t, watched) });
  }, [watched]);

  const request = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const contractId = (form.elements.namedItem('contract') as HTMLSelectElement).value;
    const purpose = (form.elements.namedItem('purpose') as HTMLInputElement).value;
    setMessage(null);
    setRequesting(true);
    try {
      const { status, body } = await api.post<{ id: string; status: string; records?: number }>('/v1/transfers', { contractId, purpose });
      if (status === 202) {
        setWatching(body.id);
        setMessage({ kind: 'info', text: t('transferRunning', { id: body.id }) });
      } else {
        setMessage({ kind: 'ok', text: t('transferDone', { id: body.id, records: body.records ?? 0 }) });
      }
      reload();
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    } finally {
      setRequesting(false);
    }
  };

  const download = async (transfer: Transfer) => {
    try {
      // sluice.package.v2 is binary (docs/ARCHITECTURE.md); `sluice open FILE --key KEY` reads it.
      saveFile(await api.blob(`/v1/transfers/${transfer.id}/package`), `${transfer.id}.sluice`);
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };

  return (
    <section aria-labelledby="transfers-title">
      <h2 id="transfers-title">{t('transfers')}</h2>
      <Show loaded={contracts}>
        {({ contracts: usable }) =>
          usable.length > 0 && (
            <form class="request" onSubmit={request}>
              <h3>{t('requestTransfer')}</h3>
              <label>
                {t('contract')}
                <select name="contract" required>
                  {usable.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.datasetName} · {c.terms.purposes.join('、')} · {c.id}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t('purpose')}
                <input name="purpose" required maxLength={200} list="purposes" autocomplete="off" />
              </label>
              <datalist id="purposes">
                {[...new Set(usable.flatMap((c) => c.terms.purposes))].map((p) => (
                  <option key={p} value={p} />
                ))}
              </datalist>
              <button type="submit" disabled={requesting}>
                {t('request')}
              </button>
            </form>
          )
        }
      </Show>
      {message && <Note kind={message.kind}>{message.text}</Note>}
      <Show loaded={transfers}>
        {({ transfers: list }) =>
          list.length === 0 ? (
            <Empty />
          ) : (
            <DataTable
              caption={t('transfers')}
              rows={list}
              rowKey={(tr) => tr.id}
              columns={[
                { title: t('id'), cell: (tr) => <code>{tr.id}</code> },
                { title: t('owner'), cell: (tr) => tr.exporterName },
                { title: t('purpose'), cell: (tr) => tr.purpose },
                { title: t('records'), cell: (tr) => tr.records },
                { title: t('subjects'), cell: (tr) => tr.subjects ?? '—' },
                {
                  title: t('status'),
                  cell: (tr) => (
                    <>
                      <StatusBadge status={tr.status} /> <Progress value={tr.progress} label={`${t('progress')} ${tr.id}`} />
                      {tr.error && (
                        <span class="failure">
                          {tr.error.code}: {tr.error.message}
                        </span>
                      )}
                    </>
                  ),
                },
                { title: t('created'), cell: (tr) => shortDate(tr.createdAt) },
                {
                  title: t('download'),
                  cell: (tr) => (
                    <button type="button" disabled={tr.status !== 'completed'} onClick={() => download(tr)}>
                      {t('download')}
                      <span class="sr-only"> {tr.id}</span>
                    </button>
                  ),
                },
              ]}
            />
          )
        }
      </Show>
    </section>
  );
}

function failedText(t: I18n['t'], transfer: Transfer): string {
  return t('transferFailed', { id: transfer.id, code: transfer.error?.code ?? 'INTERNAL', message: transfer.error?.message ?? '' });
}
