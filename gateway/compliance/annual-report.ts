import type { ComplianceDatabase } from './database.ts';
import { SCENARIO_EXEMPTIONS } from './rules/provisions-2024.ts';
import type { Mechanism } from './scenario.ts';
import { SubjectCounter } from './subject-counter.ts';
import type { FactQuery, FieldCategory, ReportedEvent, TransferFact, TransferFactSource } from './transfer-facts.ts';

/** One exporter's part of the annual outbound data security report (R-REPORT). */
export interface ExporterAnnualReport {
  exporter: { id: string; name: string | null; contact: string | null };
  volumes: {
    transfers: number;
    records: number;
    /** De-duplicated persons counted toward the thresholds (exemption-scenario exports excluded, R-EX-COUNT). */
    persons: { personal: number; sensitive: number };
    /** Exports under an exemption scenario: not in `persons`, persons summed per transfer. */
    exempt: { transfers: number; records: number; subjects: number };
  };
  recipients: Array<{
    id: string;
    name: string;
    jurisdiction: string;
    contact: string | null;
    transfers: number;
    records: number;
    /** Persons summed over transfers: an upper bound, as a person may be in several. */
    subjects: number;
    purposes: string[];
    fields: string[];
    onwardTransfer: boolean;
    contracts: string[];
  }>;
  dataTypes: Array<{ field: string; category: FieldCategory; transforms: string[]; transfers: number; records: number }>;
  purposes: Array<{ purpose: string; transfers: number; records: number }>;
  storage: Array<{ country: string; location: string; recipients: string[]; retentionDays: number[] }>;
  /** Scope and method of use: per contract, the purposes and the fields with the transform each is sent under. */
  use: Array<{ contractId: string; recipient: string; purposes: string[]; fields: Array<{ name: string; transform: string }> }>;
  onwardTransfers: Array<{ contractId: string; recipient: string; transfers: number }>;
  mechanisms: Array<{ mechanism: Mechanism; transfers: number; filingReferences: string[]; rules: string[] }>;
  complaints: ReportedEvent[];
  incidents: ReportedEvent[];
}

export interface AnnualReport {
  report: 'R-REPORT';
  year: number;
  generatedAt: string;
  exporters: ExporterAnnualReport[];
}

const EXEMPT_RULES = new Set(SCENARIO_EXEMPTIONS.map((rule) => rule.meta.id));

function bump<K>(map: Map<K, { transfers: number; records: number }>, key: K, fact: TransferFact): void {
  const entry = map.get(key) ?? { transfers: 0, records: 0 };
  entry.transfers++;
  entry.records += fact.records;
  map.set(key, entry);
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const byNumber = (values: Iterable<number>) => [...new Set(values)].sort((a, b) => a - b);

/** Accumulates one exporter's transfers of the year. */
class ExporterAccumulator {
  name: string | null = null;
  contact: string | null = null;
  transfers = 0;
  records = 0;
  readonly exempt = { transfers: 0, records: 0, subjects: 0 };
  private readonly recipients = new Map<string, ExporterAnnualReport['recipients'][number]>();
  private readonly dataTypes = new Map<string, { category: FieldCategory; transforms: Set<string>; transfers: number; records: number }>();
  private readonly purposes = new Map<string, { transfers: number; records: number }>();
  private readonly storage = new Map<string, { country: string; location: string; recipients: Set<string>; retention: Set<number> }>();
  private readonly use = new Map<string, { recipient: string; purposes: Set<string>; fields: Map<string, string> }>();
  private readonly onward = new Map<string, { recipient: string; transfers: number }>();
  private readonly mechanisms = new Map<Mechanism, { transfers: number; filings: Set<string>; rules: Set<string> }>();

  add(fact: TransferFact): void {
    this.name = fact.exporter.name;
    this.contact = fact.exporter.contact ?? this.contact;
    this.transfers++;
    this.records += fact.records;
    if (fact.rules.some((r) => EXEMPT_RULES.has(r))) {
      this.exempt.transfers++;
      this.exempt.records += fact.records;
      this.exempt.subjects += fact.subjects;
    }
    const r = fact.recipient;
    const recipient = this.recipients.get(r.id) ?? {
      id: r.id,
      name: r.name,
      jurisdiction: r.jurisdiction,
      contact: r.contact ?? null,
      transfers: 0,
      records: 0,
      subjects: 0,
      purposes: [],
      fields: [],
      onwardTransfer: false,
      contracts: [],
    };
    recipient.transfers++;
    recipient.records += fact.records;
    recipient.subjects += fact.subjects;
    recipient.purposes = sorted([...recipient.purposes, fact.purpose]);
    recipient.fields = sorted([...recipient.fields, ...fact.fields.map((f) => f.name)]);
    recipient.onwardTransfer ||= fact.onwardTransfer;
    recipient.contracts = sorted([...recipient.contracts, fact.contractId]);
    this.recipients.set(r.id, recipient);

    for (const field of fact.fields) {
      const key = `${field.name}\u0000${field.category}`;
      const entry = this.dataTypes.get(key) ?? { category: field.category, transforms: new Set<string>(), transfers: 0, records: 0 };
      entry.transforms.add(field.transform);
      entry.transfers++;
      entry.records += fact.records;
      this.dataTypes.set(key, entry);
    }
    bump(this.purposes, fact.purpose, fact);

    const place = `${fact.destination.country}\u0000${fact.destination.location}`;
    const stored = this.storage.get(place) ?? { ...fact.destination, recipients: new Set<string>(), retention: new Set<number>() };
    stored.recipients.add(r.name);
    stored.retention.add(fact.retentionDays);
    this.storage.set(place, stored);

    const use = this.use.get(fact.contractId) ?? { recipient: r.name, purposes: new Set<string>(), fields: new Map<string, string>() };
    use.purposes.add(fact.purpose);
    for (const f of fact.fields) use.fields.set(f.name, f.transform);
    this.use.set(fact.contractId, use);

    if (fact.onwardTransfer) {
      const onward = this.onward.get(fact.contractId) ?? { recipient: r.name, transfers: 0 };
      onward.transfers++;
      this.onward.set(fact.contractId, onward);
    }

    const mechanism = this.mechanisms.get(fact.mechanism) ?? { transfers: 0, filings: new Set<string>(), rules: new Set<string>() };
    mechanism.transfers++;
    if (fact.filingReference) mechanism.filings.add(fact.filingReference);
    for (const rule of fact.rules) mechanism.rules.add(rule);
    this.mechanisms.set(fact.mechanism, mechanism);
  }

  build(id: string, persons: { personal: number; sensitive: number }, complaints: ReportedEvent[], incidents: ReportedEvent[]): ExporterAnnualReport {
    return {
      exporter: { id, name: this.name, contact: this.contact },
      volumes: { transfers: this.transfers, records: this.records, persons, exempt: { ...this.exempt } },
      recipients: [...this.recipients.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
      dataTypes: [...this.dataTypes.entries()]
        .map(([key, e]) => ({ field: key.split('\u0000')[0]!, category: e.category, transforms: sorted(e.transforms), transfers: e.transfers, records: e.records }))
        .sort((a, b) => a.field.localeCompare(b.field) || a.category.localeCompare(b.category)),
      purposes: [...this.purposes.entries()].map(([purpose, e]) => ({ purpose, ...e })).sort((a, b) => a.purpose.localeCompare(b.purpose)),
      storage: [...this.storage.values()]
        .map((s) => ({ country: s.country, location: s.location, recipients: sorted(s.recipients), retentionDays: byNumber(s.retention) }))
        .sort((a, b) => a.country.localeCompare(b.country) || a.location.localeCompare(b.location)),
      use: [...this.use.entries()]
        .map(([contractId, u]) => ({
          contractId,
          recipient: u.recipient,
          purposes: sorted(u.purposes),
          fields: [...u.fields.entries()].map(([name, transform]) => ({ name, transform })).sort((a, b) => a.name.localeCompare(b.name)),
        }))
        .sort((a, b) => a.contractId.localeCompare(b.contractId)),
      onwardTransfers: [...this.onward.entries()].map(([contractId, o]) => ({ contractId, ...o })).sort((a, b) => a.contractId.localeCompare(b.contractId)),
      mechanisms: [...this.mechanisms.entries()]
        .map(([mechanism, m]) => ({ mechanism, transfers: m.transfers, filingReferences: sorted(m.filings), rules: sorted(m.rules) }))
        .sort((a, b) => a.mechanism.localeCompare(b.mechanism)),
      complaints,
      incidents,
    };
  }
}

async function collect(events: AsyncIterable<ReportedEvent> | undefined): Promise<ReportedEvent[]> {
  const out: ReportedEvent[] = [];
  if (events) for await (const e of events) out.push(e);
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

/**
 * The annual outbound data security report (R-REPORT) for `year`: one exporter's when
 * `exporterId` is given, else every exporter with transfers, complaints or incidents that year.
 */
export async function annualReport(database: ComplianceDatabase, query: FactQuery, source: TransferFactSource, now: Date = new Date()): Promise<AnnualReport> {
  const accumulators = new Map<string, ExporterAccumulator>();
  if (query.exporterId) accumulators.set(query.exporterId, new ExporterAccumulator());
  for await (const fact of source.transfers(query)) {
    const acc = accumulators.get(fact.exporter.id) ?? new ExporterAccumulator();
    acc.add(fact);
    accumulators.set(fact.exporter.id, acc);
  }
  const complaints = await collect(source.complaints?.(query));
  const incidents = await collect(source.incidents?.(query));
  for (const e of [...complaints, ...incidents]) if (!accumulators.has(e.exporterId)) accumulators.set(e.exporterId, new ExporterAccumulator());
  const counter = new SubjectCounter(database);
  const exporters: ExporterAnnualReport[] = [];
  for (const id of [...accumulators.keys()].sort()) {
    const { personal, sensitive } = await counter.counts(id, query.year);
    const mine = (e: ReportedEvent) => e.exporterId === id;
    exporters.push(accumulators.get(id)!.build(id, { personal, sensitive }, complaints.filter(mine), incidents.filter(mine)));
  }
  return { report: 'R-REPORT', year: query.year, generatedAt: now.toISOString(), exporters };
}
