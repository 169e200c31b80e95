import type { ReportedEvent, TransferFact, TransferFactSource } from '../transfer-facts.ts';

export function fact(overrides: Partial<TransferFact> = {}): TransferFact {
  return {
    transferId: 'trf_1',
    contractId: 'ctr_1',
    exporter: { id: 'exp', name: 'Acme Shanghai', contact: 'dpo@acme.cn' },
    recipient: { id: 'rcp', name: 'Acme GmbH', jurisdiction: 'DE', contact: 'privacy@acme.de' },
    date: '2025-03-01T02:00:00Z',
    purpose: 'payroll',
    fields: [
      { name: 'employee_id', category: 'personal', transform: 'hash' },
      { name: 'salary', category: 'general', transform: 'keep' },
    ],
    records: 100,
    subjects: 100,
    destination: { country: 'DE', location: 'Frankfurt' },
    retentionDays: 365,
    onwardTransfer: false,
    mechanism: 'none',
    filingReference: null,
    legalBasis: 'hr',
    scenario: 'hr',
    rules: ['R-EX4'],
    ...overrides,
  };
}

/** An in-memory source, filtering as the gateway's implementation must. */
export function source(facts: TransferFact[], complaints: ReportedEvent[] = [], incidents?: ReportedEvent[]): TransferFactSource {
  const matches = (q: { exporterId?: string; year: number }, exporterId: string, date: string) =>
    (!q.exporterId || q.exporterId === exporterId) && date.startsWith(String(q.year));
  return {
    async *transfers(q) {
      yield* facts.filter((f) => matches(q, f.exporter.id, f.date));
    },
    async *complaints(q) {
      yield* complaints.filter((c) => matches(q, c.exporterId, c.date));
    },
    ...(incidents && {
      async *incidents(q: { exporterId?: string; year: number }) {
        yield* incidents.filter((c) => matches(q, c.exporterId, c.date));
      },
    }),
  };
}
