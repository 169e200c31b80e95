import type { EgressFact, ReportedEvent, TransferFact, TransferFactSource } from '../../../gateway/compliance/index.ts';

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

export function egressFact(overrides: Partial<EgressFact> = {}): EgressFact {
  return {
    egressId: 'egr_1',
    contractId: 'ctr_ai',
    exporter: { id: 'exp', name: 'Acme Shanghai', contact: 'dpo@acme.cn' },
    provider: { id: 'llm', name: 'Model Co', jurisdiction: 'US', contact: null },
    endpoint: 'https://api.example.com/v1',
    model: 'gpt-test',
    date: '2025-04-01T02:00:00Z',
    purpose: 'customer-support',
    entities: { cn_mobile: 1, name: 2 },
    subjects: { personal: 3, sensitive: 0 },
    destination: { country: 'US', location: 'Oregon' },
    retentionDays: 30,
    onwardTransfer: false,
    mechanism: 'none',
    filingReference: null,
    rules: ['R-EX6'],
    counted: true,
    ...overrides,
  };
}

/** An in-memory source, filtering as the gateway's implementation must. */
export function source(facts: TransferFact[], complaints: ReportedEvent[] = [], incidents?: ReportedEvent[], egress: EgressFact[] = []): TransferFactSource {
  const matches = (q: { exporterId?: string; year: number }, exporterId: string, date: string) =>
    (!q.exporterId || q.exporterId === exporterId) && date.startsWith(String(q.year));
  return {
    async *transfers(q) {
      yield* facts.filter((f) => matches(q, f.exporter.id, f.date));
    },
    async *egress(q) {
      yield* egress.filter((e) => matches(q, e.exporter.id, e.date));
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
