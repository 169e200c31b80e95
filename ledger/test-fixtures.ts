import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LedgerRecord } from './types.ts';

/** Shared by the ledger's unit tests and the CLI tests; not part of the public interface. */

export function tempDataDir(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-ledger-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

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
