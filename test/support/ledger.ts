import type { LedgerRecord } from '../../ledger/index.ts';

/** A transfer receipt shaped like the gateway's: digests and counts only. */
export function receiptRecord(n: number, data: Record<string, string | number> = {}): LedgerRecord {
  return {
    id: `rcpt-${n}`,
    type: 'transfer.receipt',
    timestamp: '2026-05-01T08:30:00.000Z',
    contractId: 'ctr-7',
    exporterId: 'party-3',
    data: {
      transferId: `tr-${n}`,
      records: 120 + n,
      subjects: 37,
      packageDigest: 'c0ffee'.repeat(10) + n.toString(16).padStart(4, '0'),
      ratio: 0.25,
      ...data,
    },
  };
}
