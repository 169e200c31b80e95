import type { GatewayContext } from '../context.ts';
import { yearStartUtc } from '../reports/facts.ts';

/** What the flow charts read from one AI egress call: counts and categories, never a value. */
export interface EgressFact {
  date: string;
  exporterId: string;
  destination: string;
  mechanism: string;
  /** Persons the prompt named, by the category of what it said about them (as counted for compliance). */
  subjects: { personal: number; sensitive: number };
  /** Values redacted from the prompt, per kind (`cn_mobile`, `name`, …). */
  entities: Record<string, number>;
}

interface EgressRecord {
  type: string;
  timestamp: string;
  exporterId: string;
  data: { destination: { country: string }; mechanism: string; subjects: { personal: number; sensitive: number }; entities: Record<string, number> };
}

/**
 * The AI egress calls of a China-time year, read from the gateway's outbox: each call's `egress`
 * ledger record is committed there with its compliance count, in one transaction, and the
 * outbox keeps every record it has anchored. Egress records are the ones with `egr_` ids.
 */
export async function* egressFacts(ctx: GatewayContext, year: number, exporterId?: string): AsyncIterable<EgressFact> {
  const rows = await ctx.db
    .selectFrom('outbox')
    .select('record')
    .where('id', 'like', 'egr%')
    .where('created_at', '>=', yearStartUtc(year))
    .where('created_at', '<', yearStartUtc(year + 1))
    .orderBy('created_at')
    .execute();
  for (const row of rows) {
    const record = JSON.parse(row.record) as EgressRecord;
    if (record.type !== 'egress' || (exporterId && record.exporterId !== exporterId)) continue;
    const { data } = record;
    yield {
      date: record.timestamp,
      exporterId: record.exporterId,
      destination: data.destination.country,
      mechanism: data.mechanism,
      subjects: { personal: data.subjects.personal, sensitive: data.subjects.sensitive },
      entities: data.entities,
    };
  }
}
