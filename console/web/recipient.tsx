import { useState } from 'preact/hooks';
import { type Api, ApiError, query, saveFile } from './api.ts';
import { PlainTerms } from './contract-view.tsx';
import { useI18n } from './i18n.tsx';
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

const POLL_MS = 1000;

/**
 * Transfers the party received (or, for a regulator's search, any): each with its progress and,
 * for the recipient, its package. A transfer the gateway answers with 202 is followed through
 * `GET /v1/transfers/:id` until it completes.
 */
export function TransfersList({ api, me, role }: { api: Api; me: Party; role: 'recipient' }) {
  const { t } = useI18n();
  const transfers = useLoad(() => api.get<{ transfers: Transfer[] }>(`/v1/transfers${query({ recipientId: me.id, limit: '200' })}`), []);
  const contracts = useLoad(() => api.get<{ contracts: Contract[] }>(`/v1/contracts${query({ role, status: 'approved', limit: '200' })}`), []);
  const [running, setRunning] = useState<{ id: string; progress: number } | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const follow = async (id: string): Promise<Transfer> => {
    for (;;) {
      const state = await api.get<Transfer>(`/v1/transfers/${id}`);
      setRunning({ id, progress: state.progress });
      if (state.status !== 'running') return state;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  const request = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const contractId = (form.elements.namedItem('contract') as HTMLSelectElement).value;
    const purpose = (form.elements.namedItem('purpose') as HTMLInputElement).value;
    setMessage(null);
    try {
      const { status, body } = await api.post<{ id: string; status: string; records?: number }>('/v1/transfers', { contractId, purpose });
      setRunning({ id: body.id, progress: 0 });
      const done = status === 202 ? await follow(body.id) : body;
      if (done.status === 'failed') throw new ApiError(500, 'TRANSFER_FAILED', body.id);
      setMessage({ kind: 'ok', text: t('transferDone', { id: body.id, records: done.records ?? 0 }) });
      transfers.reload();
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    } finally {
      setRunning(null);
    }
  };

  const download = async (transfer: Transfer) => {
    try {
      saveFile(await api.blob(`/v1/transfers/${transfer.id}/package`), `${transfer.id}.sluice.json`);
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
              <button type="submit" disabled={running !== null}>
                {t('request')}
              </button>
            </form>
          )
        }
      </Show>
      {running && <Progress value={running.progress} label={`${t('progress')} ${running.id}`} />}
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
                {
                  title: t('status'),
                  cell: (tr) => (
                    <>
                      <StatusBadge status={tr.status} /> <Progress value={tr.progress} label={`${t('progress')} ${tr.id}`} />
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
