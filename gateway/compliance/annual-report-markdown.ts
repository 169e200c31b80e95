import type { AnnualReport, ExporterAnnualReport } from './annual-report.ts';
import { inline, list, table } from './markdown.ts';

const MECHANISM_NAMES = {
  none: 'none needed',
  standard_contract_or_certification: 'standard contract or certification',
  security_assessment: 'security assessment',
  prohibited: 'prohibited',
} as const;

const n = (value: number) => value.toLocaleString('en-US');
const counts = (byKind: Record<string, number>) => Object.entries(byKind).map(([kind, count]) => `${kind} ${n(count)}`).join(', ');

function egressTable(egress: ExporterAnnualReport['aiEgress']): string {
  return table(
    ['Provider', 'Jurisdiction', 'Destination', 'Endpoints', 'Models', 'Purposes', 'Calls', 'Redacted (per kind)', 'Persons named (sum per call)', 'Retention (days)', 'Mechanism (calls; filings)'],
    egress.providers.map((p) => [
      p.name,
      p.jurisdiction,
      `${p.destination.country}, ${p.destination.location}`,
      p.endpoints.join(' '),
      p.models.join(', '),
      p.purposes.join('; '),
      n(p.calls),
      counts(p.entities),
      `${n(p.persons.personal)} PI, ${n(p.persons.sensitive)} sensitive PI`,
      p.retentionDays.join(', '),
      p.mechanisms.map((m) => `${MECHANISM_NAMES[m.mechanism]} (${n(m.calls)}${m.filingReferences.length > 0 ? `; ${m.filingReferences.join(', ')}` : ''})`).join('; '),
    ]),
  );
}

function exporterSection(e: ExporterAnnualReport): string {
  const v = e.volumes;
  const events = (items: ExporterAnnualReport['complaints']) => table(['Date', 'Summary', 'Handling'], items.map((i) => [i.date, i.summary, i.handling]));
  return [
    `## Exporter: ${inline(e.exporter.name ?? e.exporter.id)} (${inline(e.exporter.id)})`,
    `Contact: ${inline(e.exporter.contact)}`,
    '### 1. Overseas recipients',
    table(
      ['Recipient', 'Jurisdiction', 'Contact', 'Transfers', 'Records', 'Persons (sum per transfer)', 'Purposes', 'Onward transfer'],
      e.recipients.map((r) => [r.name, r.jurisdiction, r.contact, n(r.transfers), n(r.records), n(r.subjects), r.purposes.join('; '), r.onwardTransfer ? 'yes' : 'no']),
    ),
    '#### Overseas model providers (AI egress: prompts sent redacted, personal data as tokens)',
    egressTable(e.aiEgress),
    '### 2. Types and categories of data exported',
    table(['Field', 'Category', 'Transforms', 'Transfers', 'Records'], e.dataTypes.map((d) => [d.field, d.category, d.transforms.join(', '), n(d.transfers), n(d.records)])),
    '### 3. Volume',
    list([
      `Transfers: ${n(v.transfers)}; records: ${n(v.records)}`,
      `De-duplicated persons counted toward the thresholds: ${n(v.persons.personal)} (PI, non-sensitive), ${n(v.persons.sensitive)} (sensitive PI)`,
      `Under exemption scenarios (not counted, R-EX-COUNT): ${n(v.exempt.transfers)} transfers, ${n(v.exempt.records)} records, ${n(v.exempt.subjects)} persons summed per transfer`,
      `Prompts to overseas models (AI egress): ${n(e.aiEgress.calls)} calls (${n(e.aiEgress.exempt.calls)} under exemption scenarios); persons named, summed per call: ${n(e.aiEgress.persons.personal)} (PI), ${n(e.aiEgress.persons.sensitive)} (sensitive PI), included de-duplicated in the persons above when counted; redacted: ${counts(e.aiEgress.entities) || 'nothing'}`,
    ]),
    '### 4. Purposes',
    table(['Purpose', 'Transfers', 'Records'], e.purposes.map((p) => [p.purpose, n(p.transfers), n(p.records)])),
    '### 5. Overseas storage locations and retention',
    table(['Country', 'Location', 'Recipients', 'Retention (days)'], e.storage.map((s) => [s.country, s.location, s.recipients.join('; '), s.retentionDays.join(', ')])),
    '### 6. Scope and method of use',
    table(['Contract', 'Recipient', 'Purposes', 'Fields (transform)'], e.use.map((u) => [u.contractId, u.recipient, u.purposes.join('; '), u.fields.map((f) => `${f.name} (${f.transform})`).join(', ')])),
    '### 7. Onward transfers',
    table(['Contract', 'Recipient', 'Transfers'], e.onwardTransfers.map((o) => [o.contractId, o.recipient, n(o.transfers)])),
    '### 8. Legal mechanisms and filings',
    table(['Mechanism', 'Transfers', 'Filing references', 'Rules'], e.mechanisms.map((m) => [MECHANISM_NAMES[m.mechanism], n(m.transfers), m.filingReferences.join(', '), m.rules.join(', ')])),
    '### 9. User complaints and their handling',
    events(e.complaints),
    '### 10. Data security incidents and their handling',
    events(e.incidents),
    '### 11. Other matters required by the CAC',
    '_To be completed by the exporter._',
  ].join('\n\n');
}

/** The report as Markdown for `Accept: text/markdown`; every user-supplied value is escaped. */
export function renderAnnualReportMarkdown(report: AnnualReport): string {
  const head = [
    `# Annual outbound data security report — ${report.year}`,
    `_Generated ${inline(report.generatedAt)} from the gateway's transfer and AI egress records (R-REPORT). Persons are natural persons de-duplicated by keyed hash._`,
  ];
  const body = report.exporters.length === 0 ? ['_No exports recorded for this year._'] : report.exporters.map(exporterSection);
  return [...head, ...body].join('\n\n') + '\n';
}
