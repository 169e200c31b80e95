import type { FactQuery, TransferFact, TransferFactSource } from '../compliance/index.ts';
import type { GatewayContext } from '../context.ts';
import type { ContractTerms } from '../contracts/schemas.ts';

/** 1 January 00:00 in China (UTC+8) of `year`, as a UTC ISO string. */
export function yearStartUtc(year: number): string {
  return new Date(Date.UTC(year, 0, 1) - 8 * 3600_000).toISOString();
}

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
  };
}
