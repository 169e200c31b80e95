import { Fragment } from 'preact';
import { describeContract, exportScenario, mechanismWords, type Assessment, type ComplianceStatusInfo, type DatasetFieldInfo } from '../terms/index.ts';
import type { Api } from './api.ts';
import { useI18n } from './i18n.tsx';
import type { Contract, Dataset, Party } from './types.ts';
import { DataTable, Note, Show, StatusBadge, useLoad } from './ui.tsx';

/** A contract in plain words: what leaves and how, what stays, and every other term. */
export function PlainTerms({ contract, fields }: { contract: Contract; fields: readonly DatasetFieldInfo[] }) {
  const { t, lang } = useI18n();
  const plain = describeContract(contract.terms, fields, lang, contract.recipientName);
  const fieldTable = (caption: string, rows: typeof plain.leaving) => (
    <DataTable
      caption={caption}
      rows={rows}
      rowKey={(row) => row.field}
      columns={[
        { title: t('field'), cell: (row) => row.field },
        { title: t('category'), cell: (row) => row.category },
        { title: t('transform'), cell: (row) => row.words },
      ]}
    />
  );
  return (
    <div class="plain">
      <p>
        <StatusBadge status={contract.status} /> <code>{contract.id}</code>
      </p>
      {fieldTable(t('leaving'), plain.leaving)}
      {plain.computeOnly.length > 0 && fieldTable(t('computeOnly'), plain.computeOnly)}
      <h4>{t('staying')}</h4>
      <p>{plain.staying.length > 0 ? plain.staying.map((s) => `${s.field}${s.category ? ` (${s.category})` : ''}`).join('、') : t('none')}</p>
      <h4>{t('purposes')}</h4>
      <ul>
        {plain.purposes.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      <dl>
        {plain.terms.map((line) => (
          <Fragment key={line.label}>
            <dt>{line.label}</dt>
            <dd>{line.value}</dd>
          </Fragment>
        ))}
        <dt>{t('digest')}</dt>
        <dd>
          <code class="wrap">{contract.digest}</code>
        </dd>
      </dl>
    </div>
  );
}

/** China's calendar date now (UTC+8), the date the compliance engine assesses. */
function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * The legal mechanism the compliance engine finds for this contract (`POST /v1/compliance/assess`),
 * whether a filing covers it, and the re-identification risk of what it releases. Owner only:
 * both read the owner's own figures.
 */
export function OwnerAssessment({ api, me, contract, dataset }: { api: Api; me: Party; contract: Contract; dataset: Dataset }) {
  const { t, lang } = useI18n();
  const year = chinaToday().slice(0, 4);
  const assessment = useLoad(async () => {
    const status = await api.get<ComplianceStatusInfo>(`/v1/compliance/status?year=${year}`);
    const scenario = exportScenario(contract.terms, dataset.fields, { ciio: me.ciio, ftz: me.ftz }, status, dataset.records, chinaToday());
    const { body } = await api.post<Assessment>('/v1/compliance/assess', scenario);
    const today = chinaToday();
    // As the gateway's gate reads filings: a security assessment also covers the lower level.
    const covering = status.filings.find(
      (f) => f.validFrom <= today && today <= f.validUntil && (f.mechanism === 'security_assessment' || body.mechanism === 'standard_contract_or_certification'),
    );
    return { assessment: body, covering };
  }, [contract.id]);
  const risk = useLoad(() => api.get<{ quasiIdentifiers: string[]; k: number | null; warn: boolean }>(`/v1/contracts/${contract.id}/risk`), [contract.id]);
  return (
    <section aria-label={t('mechanism')}>
      <h4>{t('mechanism')}</h4>
      <Show loaded={assessment}>
        {({ assessment: a, covering }) => (
          <>
            <p>
              <strong>{mechanismWords(a.mechanism, lang)}</strong>
            </p>
            <p class="small">{t('estimate')}</p>
            <p class="small">
              {t('rules')}: {a.rules.join(', ')}
            </p>
            {a.mechanism !== 'none' && a.mechanism !== 'prohibited' && (
              <Note kind={covering ? 'ok' : 'warn'}>{covering ? t('covered', { reference: covering.reference }) : t('notCovered')}</Note>
            )}
          </>
        )}
      </Show>
      <Show loaded={risk}>
        {(r) =>
          r.k === null ? (
            <Note kind="info">{t('riskNone')}</Note>
          ) : (
            <Note kind={r.warn ? 'warn' : 'ok'}>{t(r.warn ? 'riskWarn' : 'riskOk', { fields: r.quasiIdentifiers.join(', '), k: r.k })}</Note>
          )
        }
      </Show>
    </section>
  );
}
