import { useState } from 'preact/hooks';
import { type Api, query, saveFile } from './api.ts';
import { OwnerAssessment, PlainTerms } from './contract-view.tsx';
import { useI18n } from './i18n.tsx';
import { SigningError, privateKeyOf, signTerms } from './signing.ts';
import type { Contract, Dataset, Job, Party } from './types.ts';
import { DataTable, describeError, Empty, Note, Sections, Show, shortDate, StatusBadge, useLoad } from './ui.tsx';
import { TransfersList } from './recipient.tsx';

/** A domestic data handler: its datasets, the contracts over them, compute releases, compliance. */
export function OwnerConsole({ api, me }: { api: Api; me: Party }) {
  return (
    <Sections
      initial="contracts"
      views={{
        datasets: () => <Datasets api={api} />,
        contracts: () => <OwnerContracts api={api} me={me} />,
        compute: () => <ComputeReleases api={api} me={me} />,
        compliance: () => <Compliance api={api} />,
        received: () => <TransfersList api={api} me={me} role="recipient" />,
      }}
    />
  );
}

function Datasets({ api }: { api: Api }) {
  const { t } = useI18n();
  const datasets = useLoad(() => api.get<{ datasets: Dataset[] }>('/v1/datasets?limit=200'), []);
  return (
    <section aria-labelledby="datasets-title">
      <h2 id="datasets-title">{t('datasets')}</h2>
      <Show loaded={datasets}>
        {({ datasets: list }) =>
          list.length === 0 ? (
            <Empty />
          ) : (
            list.map((d) => (
              <article key={d.id} class="card">
                <h3>{d.name}</h3>
                <p class="small">
                  <code>{d.id}</code> · {t('records')}: {d.records} · {t('created')}: {shortDate(d.createdAt)}
                </p>
                <DataTable
                  caption={t('fields')}
                  rows={d.fields}
                  rowKey={(f) => f.name}
                  columns={[
                    { title: t('field'), cell: (f) => `${f.name}${f.subject ? ` (${t('subjectField')})` : ''}` },
                    { title: t('type'), cell: (f) => f.type },
                    { title: t('category'), cell: (f) => t(`category.${f.category}`) },
                    { title: t('source'), cell: (f) => t(f.categorySource === 'discovered' ? 'discovered' : 'declared') },
                  ]}
                />
              </article>
            ))
          )
        }
      </Show>
    </section>
  );
}

function OwnerContracts({ api, me }: { api: Api; me: Party }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<'pending' | 'approved' | 'revoked' | ''>('pending');
  const [openId, setOpenId] = useState<string | null>(null);
  // Kept here, not in the contract's card: an approved or revoked contract may leave the filtered list.
  const [outcome, setOutcome] = useState<string | null>(null);
  const changed = (text: string) => {
    setOutcome(text);
    contracts.reload();
  };
  const contracts = useLoad(() => api.get<{ contracts: Contract[] }>(`/v1/contracts${query({ role: 'owner', status: status || undefined, limit: '200' })}`), [status]);
  const datasets = useLoad(() => api.get<{ datasets: Dataset[] }>('/v1/datasets?limit=200'), []);
  return (
    <section aria-labelledby="contracts-title">
      <h2 id="contracts-title">{t('contracts')}</h2>
      <div class="filters" role="group" aria-label={t('status')}>
        {(['pending', 'approved', 'revoked', ''] as const).map((s) => (
          <button key={s || 'all'} type="button" aria-pressed={status === s} onClick={() => setStatus(s)}>
            {s ? t(`status.${s}`) : t('all')}
          </button>
        ))}
      </div>
      {outcome && <Note kind="ok">{outcome}</Note>}
      <Show loaded={contracts}>
        {({ contracts: list }) =>
          list.length === 0 ? (
            <Empty />
          ) : (
            <ul class="list">
              {list.map((c) => (
                <li key={c.id} class="card">
                  <h3>
                    {c.datasetName} → {c.recipientName}
                  </h3>
                  <p class="small">
                    <StatusBadge status={c.status} /> <code>{c.id}</code> · {c.terms.purposes.join('、')} · {shortDate(c.createdAt)}
                  </p>
                  <button type="button" aria-expanded={openId === c.id} aria-controls={`contract-${c.id}`} onClick={() => setOpenId(openId === c.id ? null : c.id)}>
                    {openId === c.id ? t('close') : t('open')}
                    <span class="sr-only"> {c.id}</span>
                  </button>
                  {openId === c.id && (
                    <div id={`contract-${c.id}`}>
                      <Show loaded={datasets}>
                        {({ datasets: all }) => {
                          const dataset = all.find((d) => d.id === c.terms.datasetId);
                          return <OwnerContract api={api} me={me} contract={c} dataset={dataset} onChange={changed} />;
                        }}
                      </Show>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

/** `dataset` is absent for contracts over no dataset (AI egress: prompts). */
function OwnerContract({ api, me, contract, dataset, onChange }: { api: Api; me: Party; contract: Contract; dataset: Dataset | undefined; onChange(outcome: string): void }) {
  const { t } = useI18n();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const approve = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('keyfile') as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return setMessage({ kind: 'error', text: t('keyUnreadable') });
    setBusy(true);
    try {
      const signature = signTerms(contract.terms, contract.digest, privateKeyOf(await file.text()), me.publicKey);
      // Only the signature leaves the page; the key file's contents are dropped with the form.
      form.reset();
      await api.post(`/v1/contracts/${contract.id}/approve`, { signature });
      setMessage(null);
      onChange(t('approved'));
    } catch (error) {
      form.reset();
      setMessage({ kind: 'error', text: error instanceof SigningError ? t(error.problem) : describeError(error) });
    } finally {
      setBusy(false);
    }
  };

  const revoke = async () => {
    if (!window.confirm(t('revokeConfirm'))) return;
    try {
      await api.post(`/v1/contracts/${contract.id}/revoke`);
      setMessage(null);
      onChange(t('revoked'));
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };

  return (
    <div class="contract">
      <PlainTerms contract={contract} fields={dataset?.fields ?? []} />
      {dataset && <OwnerAssessment api={api} me={me} contract={contract} dataset={dataset} />}
      {message && <Note kind={message.kind}>{message.text}</Note>}
      {contract.status === 'pending' && (
        <form class="approve" onSubmit={approve} aria-labelledby={`approve-${contract.id}`}>
          <h4 id={`approve-${contract.id}`}>{t('approveTitle')}</h4>
          <p class="small">{t('approveHelp')}</p>
          <label>
            {t('keyFile')}
            <input type="file" name="keyfile" accept=".json,application/json" required />
          </label>
          <button type="submit" disabled={busy}>
            {busy ? t('approving') : t('approve')}
          </button>
        </form>
      )}
      {contract.status === 'approved' && contract.signature && (
        <p class="small">
          {t('signature')}: <code class="wrap">{contract.signature}</code>
        </p>
      )}
      {contract.status !== 'revoked' && (
        <button type="button" class="danger" onClick={revoke}>
          {t('revoke')}
        </button>
      )}
    </div>
  );
}

function ComputeReleases({ api, me }: { api: Api; me: Party }) {
  const { t } = useI18n();
  const jobs = useLoad(() => api.get<{ jobs: Job[] }>('/v1/compute/jobs?status=awaiting_approval&limit=200'), []);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const release = async (job: Job) => {
    try {
      await api.post(`/v1/compute/jobs/${job.id}/approve`);
      setMessage({ kind: 'ok', text: t('releaseApproved') });
      jobs.reload();
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };
  return (
    <section aria-labelledby="compute-title">
      <h2 id="compute-title">{t('jobsAwaiting')}</h2>
      {message && <Note kind={message.kind}>{message.text}</Note>}
      <Show loaded={jobs}>
        {({ jobs: list }) => {
          const mine = list.filter((j) => j.pending.includes(me.id));
          return mine.length === 0 ? (
            <Empty />
          ) : (
            <ul class="list">
              {mine.map((job) => (
                <li key={job.id} class="card">
                  <p>{t('reveals', { requester: job.requesterId, operation: job.operation, column: job.column, purpose: job.purpose, min: job.minGroupSize })}</p>
                  <p class="small">
                    <StatusBadge status={job.status} /> <code>{job.id}</code> · {t('inputs')}:{' '}
                    {job.inputs.map((i) => `${i.datasetId ?? i.partyId}${i.rows !== null ? ` (${i.rows})` : ''}`).join(', ')}
                  </p>
                  <button type="button" onClick={() => release(job)}>
                    {t('approveRelease')}
                    <span class="sr-only"> {job.id}</span>
                  </button>
                </li>
              ))}
            </ul>
          );
        }}
      </Show>
    </section>
  );
}

interface StatusView {
  year: number;
  personal: number;
  sensitive: number;
  mechanism: string;
  rules: string[];
  coveredBy?: string | null;
}

interface ReportView {
  exporters: Array<{ volumes: { transfers: number; records: number }; recipients: Array<{ name: string; jurisdiction: string; transfers: number; records: number }> }>;
}

function Compliance({ api }: { api: Api }) {
  const { t } = useI18n();
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const status = useLoad(() => api.get<StatusView>(`/v1/compliance/status?year=${year}`), [year]);
  const report = useLoad(() => api.get<ReportView>(`/v1/reports/annual?year=${year}`), [year]);
  const markdown = async () => {
    const text = await api.text(`/v1/reports/annual?year=${year}`, 'text/markdown');
    saveFile(new Blob([text], { type: 'text/markdown' }), `sluice-annual-report-${year}.md`);
  };
  return (
    <section aria-labelledby="compliance-title">
      <h2 id="compliance-title">{t('compliance')}</h2>
      <label>
        {t('year')}
        <input type="number" min={2000} max={2100} value={year} onChange={(e) => setYear((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <Show loaded={status}>
        {(s) => (
          <dl>
            <dt>{t('personal')}</dt>
            <dd>{s.personal}</dd>
            <dt>{t('sensitive')}</dt>
            <dd>{s.sensitive}</dd>
            <dt>{t('mechanismNeeded')}</dt>
            <dd>{t(`mechanism.${s.mechanism}`)}</dd>
            <dt>{t('rules')}</dt>
            <dd>{s.rules.join(', ')}</dd>
            <dt>{t('coveredBy')}</dt>
            <dd>{s.coveredBy ?? t('none')}</dd>
          </dl>
        )}
      </Show>
      <h3>{t('annualReport')}</h3>
      <Show loaded={report}>
        {(r) => {
          const mine = r.exporters[0];
          return !mine ? (
            <Empty />
          ) : (
            <DataTable
              caption={t('total', { transfers: mine.volumes.transfers, records: mine.volumes.records })}
              rows={mine.recipients}
              rowKey={(rec) => rec.name}
              columns={[
                { title: t('recipient'), cell: (rec) => rec.name },
                { title: t('destination'), cell: (rec) => rec.jurisdiction },
                { title: t('transfersCount'), cell: (rec) => rec.transfers },
                { title: t('records'), cell: (rec) => rec.records },
              ]}
            />
          );
        }}
      </Show>
      <button type="button" onClick={markdown}>
        {t('downloadMarkdown')}
      </button>
    </section>
  );
}
