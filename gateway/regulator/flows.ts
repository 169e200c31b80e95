import { chinaDate, type EgressFact, type TransferFactSource } from '../compliance/index.ts';

type Bucket<M extends string> = { key: string } & Record<M, number>;
type TransferMeasure = 'transfers' | 'records' | 'subjects';
type EgressMeasure = 'calls' | 'subjects';

/** One bar of a transfer chart: transfers, records and persons (summed per transfer) under one key. */
export type FlowBucket = Bucket<TransferMeasure>;
/** One bar of an AI egress chart: calls and the persons they named (summed per call). */
export type EgressBucket = Bucket<EgressMeasure>;
/** Values of one kind redacted from prompts, and how many calls carried any. */
export type EntityBucket = Bucket<'calls' | 'found'>;

export interface EgressFlows {
  totals: Omit<EgressBucket, 'key'>;
  byDestination: EgressBucket[];
  byCategory: EgressBucket[];
  byMechanism: EgressBucket[];
  byMonth: EgressBucket[];
  byEntity: EntityBucket[];
}

export interface OutboundFlows {
  year: number;
  exporterId: string | null;
  totals: Omit<FlowBucket, 'key'>;
  byDestination: FlowBucket[];
  byCategory: FlowBucket[];
  byMechanism: FlowBucket[];
  byMonth: FlowBucket[];
  /** Prompts sent to overseas AI models (`egress` records), counted apart from dataset transfers. */
  egress: EgressFlows;
}

/** Sums of some measures under each key, sorted by key. */
class Tally<M extends string> {
  private readonly map = new Map<string, Bucket<M>>();

  add(key: string, amounts: Record<M, number>): void {
    const bucket = this.map.get(key);
    if (!bucket) return void this.map.set(key, { key, ...amounts });
    for (const measure of Object.keys(amounts) as M[]) (bucket as Record<M, number>)[measure] += amounts[measure];
  }

  sorted(): Bucket<M>[] {
    return [...this.map.values()].sort((a, b) => a.key.localeCompare(b.key));
  }
}

/**
 * Outbound flows of a year as counts only — by destination country, data category carried (a
 * transfer counts once under each category of the fields that left), legal mechanism and
 * China-time month; AI egress calls likewise, as their own series. Built from the same transfer
 * facts as the annual report, egress calls included; never a value.
 */
export async function outboundFlows(source: TransferFactSource, year: number, exporterId?: string): Promise<OutboundFlows> {
  const query = { year, ...(exporterId ? { exporterId } : {}) };
  const totals = { transfers: 0, records: 0, subjects: 0 };
  const destination = new Tally<TransferMeasure>();
  const category = new Tally<TransferMeasure>();
  const mechanism = new Tally<TransferMeasure>();
  const month = new Tally<TransferMeasure>();
  for await (const fact of source.transfers(query)) {
    const counts = { transfers: 1, records: fact.records, subjects: fact.subjects };
    totals.transfers++;
    totals.records += fact.records;
    totals.subjects += fact.subjects;
    destination.add(fact.destination.country, counts);
    for (const carried of new Set(fact.fields.map((f) => f.category))) category.add(carried, counts);
    mechanism.add(fact.mechanism, counts);
    month.add(chinaDate(fact.date).slice(0, 7), counts);
  }
  return {
    year,
    exporterId: exporterId ?? null,
    totals,
    byDestination: destination.sorted(),
    byCategory: category.sorted(),
    byMechanism: mechanism.sorted(),
    byMonth: month.sorted(),
    egress: await egressFlows(source.egress?.(query)),
  };
}

async function egressFlows(facts: AsyncIterable<EgressFact> | undefined): Promise<EgressFlows> {
  const totals = { calls: 0, subjects: 0 };
  const destination = new Tally<EgressMeasure>();
  const category = new Tally<EgressMeasure>();
  const mechanism = new Tally<EgressMeasure>();
  const month = new Tally<EgressMeasure>();
  const entity = new Tally<'calls' | 'found'>();
  for await (const fact of facts ?? []) {
    const { personal, sensitive } = fact.subjects;
    const counts = { calls: 1, subjects: personal + sensitive };
    totals.calls++;
    totals.subjects += counts.subjects;
    destination.add(fact.destination.country, counts);
    // A call counts under each category of what it said about persons; one naming nobody is general.
    if (personal > 0) category.add('personal', { calls: 1, subjects: personal });
    if (sensitive > 0) category.add('sensitive', { calls: 1, subjects: sensitive });
    if (personal + sensitive === 0) category.add('general', { calls: 1, subjects: 0 });
    mechanism.add(fact.mechanism, counts);
    month.add(chinaDate(fact.date).slice(0, 7), counts);
    for (const [kind, found] of Object.entries(fact.entities)) if (found > 0) entity.add(kind, { calls: 1, found });
  }
  return {
    totals,
    byDestination: destination.sorted(),
    byCategory: category.sorted(),
    byMechanism: mechanism.sorted(),
    byMonth: month.sorted(),
    byEntity: entity.sorted(),
  };
}
