import { SCENARIO_EXEMPTIONS } from './rules/provisions-2024.ts';
import type { Mechanism } from './scenario.ts';
import type { ComplianceDatabase } from './store/index.ts';
import { SubjectCounter } from './subject-counter.ts';
import type { EgressFact, FactQuery, FieldCategory, ReportedEvent, TransferFact, TransferFactSource } from './transfer-facts.ts';

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
  /** Prompts sent to overseas models through the AI egress gateway, redacted in token mode. */
  aiEgress: AiEgressSection;
}

/** Persons named in prompts, summed per call: an upper bound (the de-duplicated count is in `volumes.persons`). */
type PersonsPerCall = { personal: number; sensitive: number };

export interface AiEgressSection {
  calls: number;
  /** Spans sent as tokens, per entity kind. */
  entities: Record<string, number>;
  persons: PersonsPerCall;
  /** Calls under an exemption scenario: their persons are not in the threshold counts (R-EX-COUNT). */
  exempt: { calls: number };
  /** Per provider and destination. */
  providers: Array<{
    id: string;
    name: string;
    jurisdiction: string;
    contact: string | null;
    destination: { country: string; location: string };
    endpoints: string[];
    models: string[];
    purposes: string[];
    contracts: string[];
    calls: number;
    entities: Record<string, number>;
    persons: PersonsPerCall;
    retentionDays: number[];
    onwardTransfer: boolean;
    mechanisms: Array<{ mechanism: Mechanism; calls: number; filingReferences: string[]; rules: string[] }>;
  }>;
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

function addCounts(into: Record<string, number>, counts: Record<string, number>): void {
  for (const [kind, n] of Object.entries(counts)) into[kind] = (into[kind] ?? 0) + n;
}

const sortedCounts = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

/** Accumulates one exporter's AI egress calls of the year, per provider and destination. */
class EgressAccumulator {
  private calls = 0;
  private exempt = 0;
  private readonly entities: Record<string, number> = {};
  private readonly persons = { personal: 0, sensitive: 0 };
  private readonly providers = new Map<
    string,
    Omit<AiEgressSection['providers'][number], 'endpoints' | 'models' | 'purposes' | 'contracts' | 'retentionDays' | 'mechanisms'> & {
      endpoints: Set<string>;
      models: Set<string>;
      purposes: Set<string>;
      contracts: Set<string>;
      retention: Set<number>;
      mechanisms: Map<Mechanism, { calls: number; filings: Set<string>; rules: Set<string> }>;
    }
  >();

  add(fact: EgressFact): void {
    this.calls++;
    if (!fact.counted) this.exempt++;
    addCounts(this.entities, fact.entities);
    this.persons.personal += fact.subjects.personal;
    this.persons.sensitive += fact.subjects.sensitive;
    const p = fact.provider;
    const key = `${p.id}\u0000${fact.destination.country}\u0000${fact.destination.location}`;
    const entry = this.providers.get(key) ?? {
      id: p.id,
      name: p.name,
      jurisdiction: p.jurisdiction,
      contact: p.contact ?? null,
      destination: { ...fact.destination },
      endpoints: new Set<string>(),
      models: new Set<string>(),
      purposes: new Set<string>(),
      contracts: new Set<string>(),
      calls: 0,
      entities: {},
      persons: { personal: 0, sensitive: 0 },
      retention: new Set<number>(),
      onwardTransfer: false,
      mechanisms: new Map(),
    };
    entry.endpoints.add(fact.endpoint);
    entry.models.add(fact.model);
    entry.purposes.add(fact.purpose);
    entry.contracts.add(fact.contractId);
    entry.calls++;
    addCounts(entry.entities, fact.entities);
    entry.persons.personal += fact.subjects.personal;
    entry.persons.sensitive += fact.subjects.sensitive;
    entry.retention.add(fact.retentionDays);
    entry.onwardTransfer ||= fact.onwardTransfer;
    const mechanism = entry.mechanisms.get(fact.mechanism) ?? { calls: 0, filings: new Set<string>(), rules: new Set<string>() };
    mechanism.calls++;
    if (fact.filingReference) mechanism.filings.add(fact.filingReference);
    for (const rule of fact.rules) mechanism.rules.add(rule);
    entry.mechanisms.set(fact.mechanism, mechanism);
    this.providers.set(key, entry);
  }

  build(): AiEgressSection {
    return {
      calls: this.calls,
      entities: sortedCounts(this.entities),
      persons: { ...this.persons },
      exempt: { calls: this.exempt },
      providers: [...this.providers.values()]
        .map(({ endpoints, models, purposes, contracts, retention, mechanisms, entities, ...rest }) => ({
          ...rest,
          endpoints: sorted(endpoints),
          models: sorted(models),
          purposes: sorted(purposes),
          contracts: sorted(contracts),
          entities: sortedCounts(entities),
          retentionDays: byNumber(retention),
          mechanisms: [...mechanisms.entries()]
            .map(([mechanism, m]) => ({ mechanism, calls: m.calls, filingReferences: sorted(m.filings), rules: sorted(m.rules) }))
            .sort((a, b) => a.mechanism.localeCompare(b.mechanism)),
        }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id) || a.destination.country.localeCompare(b.destination.country) || a.destination.location.localeCompare(b.destination.location)),
    };
  }
}

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
  private readonly egress = new EgressAccumulator();

  /** The exporter's name and contact, from whichever of its records is read. */
  private identify(exporter: { name: string; contact?: string | null | undefined }): void {
    this.name = exporter.name;
    this.contact = exporter.contact ?? this.contact;
  }

  addEgress(fact: EgressFact): void {
    this.identify(fact.exporter);
    this.egress.add(fact);
  }

  add(fact: TransferFact): void {
    this.identify(fact.exporter);
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
      aiEgress: this.egress.build(),
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
 * `exporterId` is given, else every exporter with transfers, AI egress calls, complaints or
 * incidents that year.
 */
export async function annualReport(database: ComplianceDatabase, query: FactQuery, source: TransferFactSource, now: Date = new Date()): Promise<AnnualReport> {
  const accumulators = new Map<string, ExporterAccumulator>();
  if (query.exporterId) accumulators.set(query.exporterId, new ExporterAccumulator());
  const accumulator = (exporterId: string) => accumulators.get(exporterId) ?? accumulators.set(exporterId, new ExporterAccumulator()).get(exporterId)!;
  for await (const fact of source.transfers(query)) accumulator(fact.exporter.id).add(fact);
  if (source.egress) for await (const fact of source.egress(query)) accumulator(fact.exporter.id).addEgress(fact);
  const complaints = await collect(source.complaints?.(query));
  const incidents = await collect(source.incidents?.(query));
  for (const e of [...complaints, ...incidents]) accumulator(e.exporterId);
  const counter = new SubjectCounter(database);
  const exporters: ExporterAnnualReport[] = [];
  for (const id of [...accumulators.keys()].sort()) {
    const { personal, sensitive } = await counter.counts(id, query.year);
    const mine = (e: ReportedEvent) => e.exporterId === id;
    exporters.push(accumulators.get(id)!.build(id, { personal, sensitive }, complaints.filter(mine), incidents.filter(mine)));
  }
  return { report: 'R-REPORT', year: query.year, generatedAt: now.toISOString(), exporters };
}
