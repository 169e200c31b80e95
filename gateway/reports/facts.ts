import type { EgressFact, FactQuery, TransferFact, TransferFactSource } from '../compliance/index.ts';
import type { GatewayContext } from '../context.ts';
import type { ContractTerms } from '../contracts/schemas.ts';

/** 1 January 00:00 in China (UTC+8) of `year`, as a UTC ISO string. */
export function yearStartUtc(year: number): string {
  return new Date(Date.UTC(year, 0, 1) - 8 * 3600_000).toISOString();
}

/** What the `egress` ledger record's data holds of a fact (the parties and the date come from the tables). */
type EgressRecordData = Omit<EgressFact, 'exporter' | 'provider' | 'date'>;

/** The transfer facts the compliance reports need, read from the gateway's own records. */
export function transferFactSource(ctx: GatewayContext): TransferFactSource {
  return {
    async *transfers(query: FactQuery): AsyncIterable<TransferFact> {
      let q = ctx.db
        .selectFrom('transfers')
        .innerJoin('contracts', 'contracts.id', 'transfers.contract_id')
        .innerJoin('parties as exporter', 'exporter.id', 'transfers.exporter_id')
        .innerJoin('parties as recipient', 'recipient.id', 'transfers.recipient_id')
        .select([
          'transfers.id',
          'transfers.contract_id',
          'transfers.purpose',
          'transfers.records',
          'transfers.subjects',
          'transfers.receipt',
          'transfers.created_at',
          'contracts.terms',
          'exporter.id as exporter_id',
          'exporter.name as exporter_name',
          'exporter.contact as exporter_contact',
          'recipient.id as recipient_id',
          'recipient.name as recipient_name',
          'recipient.jurisdiction as recipient_jurisdiction',
          'recipient.contact as recipient_contact',
        ])
        .where('transfers.created_at', '>=', yearStartUtc(query.year))
        .where('transfers.created_at', '<', yearStartUtc(query.year + 1))
        .orderBy('transfers.created_at');
      if (query.exporterId) q = q.where('transfers.exporter_id', '=', query.exporterId);
      for (const row of await q.execute()) {
        const receipt = JSON.parse(row.receipt) as { data: Record<string, any> };
        const terms = JSON.parse(row.terms) as ContractTerms;
        yield {
          transferId: row.id,
          contractId: row.contract_id,
          exporter: { id: row.exporter_id, name: row.exporter_name, contact: row.exporter_contact },
          recipient: { id: row.recipient_id, name: row.recipient_name, jurisdiction: row.recipient_jurisdiction, contact: row.recipient_contact },
          date: row.created_at,
          purpose: row.purpose,
          fields: receipt.data.fields,
          records: row.records,
          subjects: row.subjects,
          destination: terms.destination,
          retentionDays: terms.retentionDays,
          onwardTransfer: terms.onwardTransfer,
          mechanism: receipt.data.mechanism,
          filingReference: receipt.data.filingReference ?? null,
          legalBasis: terms.legalBasis,
          scenario: terms.scenario,
          rules: receipt.data.rules ?? [],
        };
      }
    },

    async *egress(query: FactQuery): AsyncIterable<EgressFact> {
      let q = ctx.db
        .selectFrom('egress_calls')
        .innerJoin('parties as exporter', 'exporter.id', 'egress_calls.exporter_id')
        .innerJoin('parties as provider', 'provider.id', 'egress_calls.recipient_id')
        .select([
          'egress_calls.record',
          'egress_calls.created_at',
          'exporter.id as exporter_id',
          'exporter.name as exporter_name',
          'exporter.contact as exporter_contact',
          'provider.id as provider_id',
          'provider.name as provider_name',
          'provider.jurisdiction as provider_jurisdiction',
          'provider.contact as provider_contact',
        ])
        .where('egress_calls.created_at', '>=', yearStartUtc(query.year))
        .where('egress_calls.created_at', '<', yearStartUtc(query.year + 1))
        .orderBy('egress_calls.created_at');
      if (query.exporterId) q = q.where('egress_calls.exporter_id', '=', query.exporterId);
      for (const row of await q.execute()) {
        const data = (JSON.parse(row.record) as { data: EgressRecordData }).data;
        yield {
          egressId: data.egressId,
          contractId: data.contractId,
          exporter: { id: row.exporter_id, name: row.exporter_name, contact: row.exporter_contact },
          provider: { id: row.provider_id, name: row.provider_name, jurisdiction: row.provider_jurisdiction, contact: row.provider_contact },
          endpoint: data.endpoint,
          model: data.model,
          date: row.created_at,
          purpose: data.purpose,
          entities: data.entities,
          subjects: data.subjects,
          destination: data.destination,
          retentionDays: data.retentionDays,
          onwardTransfer: data.onwardTransfer,
          mechanism: data.mechanism,
          filingReference: data.filingReference,
          rules: data.rules,
          counted: data.counted,
        };
      }
    },
  };
}
