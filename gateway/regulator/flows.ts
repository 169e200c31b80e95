import { chinaDate, type TransferFactSource } from '../compliance/index.ts';

/** One bar of a flow chart: transfers, records and persons (summed per transfer) under one key. */
export interface FlowBucket {
  key: string;
  transfers: number;
  records: number;
  subjects: number;
}

export interface OutboundFlows {
  year: number;
  exporterId: string | null;
  totals: Omit<FlowBucket, 'key'>;
  byDestination: FlowBucket[];
  byCategory: FlowBucket[];
  byMechanism: FlowBucket[];
  byMonth: FlowBucket[];
}

class Buckets {
  private readonly map = new Map<string, FlowBucket>();

  add(key: string, records: number, subjects: number): void {
    const bucket = this.map.get(key) ?? { key, transfers: 0, records: 0, subjects: 0 };
    bucket.transfers++;
    bucket.records += records;
    bucket.subjects += subjects;
    this.map.set(key, bucket);
  }

  sorted(): FlowBucket[] {
    return [...this.map.values()].sort((a, b) => a.key.localeCompare(b.key));
  }
}

/**
 * Outbound flows of a year as counts only — by destination country, data category carried (a
 * transfer counts once under each category of the fields that left), legal mechanism and
 * China-time month. Built from the same transfer facts as the annual report; never a value.
 */
export async function outboundFlows(source: TransferFactSource, year: number, exporterId?: string): Promise<OutboundFlows> {
  const totals = { transfers: 0, records: 0, subjects: 0 };
  const destination = new Buckets();
  const category = new Buckets();
  const mechanism = new Buckets();
  const month = new Buckets();
  for await (const fact of source.transfers({ year, ...(exporterId ? { exporterId } : {}) })) {
    totals.transfers++;
    totals.records += fact.records;
    totals.subjects += fact.subjects;
    destination.add(fact.destination.country, fact.records, fact.subjects);
    for (const carried of new Set(fact.fields.map((f) => f.category))) category.add(carried, fact.records, fact.subjects);
    mechanism.add(fact.mechanism, fact.records, fact.subjects);
    month.add(chinaDate(fact.date).slice(0, 7), fact.records, fact.subjects);
  }
  return {
    year,
    exporterId: exporterId ?? null,
    totals,
    byDestination: destination.sorted(),
    byCategory: category.sorted(),
    byMechanism: mechanism.sorted(),
    byMonth: month.sorted(),
  };
}
