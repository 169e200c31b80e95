import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { onBothDatabases } from '../../test/support/compliance/databases.ts';
import { egressFact, fact, source } from '../../test/support/compliance/facts.ts';
import { scenario } from '../../test/support/compliance/scenarios.ts';
import { renderAnnualReportMarkdown } from './annual-report-markdown.ts';
import { annualReport } from './annual-report.ts';
import { FilingsStore } from './filings.ts';
import { pipiaDraft, type PipiaContract, type PipiaDataset } from './pipia.ts';
import { complianceStatus } from './status.ts';
import { SubjectCounter } from './subject-counter.ts';

describe('complianceStatus and annualReport (R-REPORT)', () => {
  onBothDatabases((open) => {
    it('reports the counted figures, the mechanism they require and the covering filing', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      const batch = Array.from({ length: 120 }, () => randomBytes(32));
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario({ date: '2025-04-01' }), { personal: batch, sensitive: batch.slice(0, 3) }));
      await new FilingsStore(database).record('exp', { mechanism: 'standard_contract', reference: 'SC-1', validFrom: '2025-01-01', validUntil: '2025-12-31' });
      await new FilingsStore(database).record('exp', { mechanism: 'certification', reference: 'OLD', validFrom: '2023-01-01', validUntil: '2023-12-31' });
      const status = await complianceStatus(database, 'exp', 2025, { ciio: false }, new Date('2026-02-01T00:00:00Z'));
      expect(status).toMatchObject({ year: 2025, personal: 120, sensitive: 3, mechanism: 'standard_contract_or_certification', rules: ['R-SC2'], asOf: '2025-12-31', regime: '2024', coveredBy: 'SC-1' });
      expect(status.filings.map((f) => f.reference)).toEqual(['SC-1']);
      const ciio = await complianceStatus(database, 'exp', 2025, { ciio: true }, new Date('2026-02-01T00:00:00Z'));
      expect(ciio).toMatchObject({ mechanism: 'security_assessment', rules: ['R-SA1'], coveredBy: null });
      expect(await complianceStatus(database, 'nobody', 2026, { ciio: false }, new Date('2026-02-01T00:00:00Z'))).toMatchObject({ personal: 0, mechanism: 'none', rules: [], asOf: '2026-02-01' });
    });

    it('builds the R-REPORT sections from transfer facts and the de-duplicated counts', async () => {
      const database = await open();
      const counter = new SubjectCounter(database);
      const batch = Array.from({ length: 150 }, () => randomBytes(32));
      await database.db.transaction().execute((trx) => counter.commit(trx, 'exp', scenario({ date: '2025-05-01' }), { personal: batch, sensitive: [] }));
      const facts = [
        fact(),
        fact({
          transferId: 'trf_2',
          contractId: 'ctr_2',
          recipient: { id: 'rcp2', name: 'Beta Ltd', jurisdiction: 'SG' },
          date: '2025-05-01T01:00:00Z',
          purpose: 'analytics',
          fields: [{ name: 'mobile', category: 'personal', transform: 'mask' }],
          records: 150,
          subjects: 150,
          destination: { country: 'SG', location: 'Singapore' },
          retentionDays: 90,
          onwardTransfer: true,
          mechanism: 'standard_contract_or_certification',
          filingReference: 'SC-1',
          legalBasis: 'consent',
          scenario: 'general',
          rules: ['R-SC1'],
        }),
        fact({ exporter: { id: 'other', name: 'Other Co' }, date: '2024-12-31T01:00:00Z' }),
      ];
      const report = await annualReport(database, { exporterId: 'exp', year: 2025 }, source(facts), new Date('2026-01-15T00:00:00Z'));
      expect(report).toMatchObject({ report: 'R-REPORT', year: 2025, generatedAt: '2026-01-15T00:00:00.000Z' });
      const [exp] = report.exporters;
      expect(report.exporters).toHaveLength(1);
      expect(exp!.exporter).toEqual({ id: 'exp', name: 'Acme Shanghai', contact: 'dpo@acme.cn' });
      expect(exp!.volumes).toEqual({ transfers: 2, records: 250, persons: { personal: 150, sensitive: 0 }, exempt: { transfers: 1, records: 100, subjects: 100 } });
      expect(exp!.recipients.map((r) => [r.name, r.contact, r.onwardTransfer])).toEqual([
        ['Acme GmbH', 'privacy@acme.de', false],
        ['Beta Ltd', null, true],
      ]);
      expect(exp!.dataTypes.map((d) => `${d.field}:${d.category}:${d.transforms.join('/')}`)).toEqual(['employee_id:personal:hash', 'mobile:personal:mask', 'salary:general:keep']);
      expect(exp!.purposes.map((p) => p.purpose)).toEqual(['analytics', 'payroll']);
      expect(exp!.storage).toEqual([
        { country: 'DE', location: 'Frankfurt', recipients: ['Acme GmbH'], retentionDays: [365] },
        { country: 'SG', location: 'Singapore', recipients: ['Beta Ltd'], retentionDays: [90] },
      ]);
      expect(exp!.onwardTransfers).toEqual([{ contractId: 'ctr_2', recipient: 'Beta Ltd', transfers: 1 }]);
      expect(exp!.mechanisms).toEqual([
        { mechanism: 'none', transfers: 1, filingReferences: [], rules: ['R-EX4'] },
        { mechanism: 'standard_contract_or_certification', transfers: 1, filingReferences: ['SC-1'], rules: ['R-SC1'] },
      ]);
      expect(exp!.complaints).toEqual([]);
      expect(exp!.incidents).toEqual([]);
    });

    it('lists AI egress calls per provider and destination, with counts per kind, persons and mechanism', async () => {
      const database = await open();
      const calls = [
        egressFact(),
        egressFact({ egressId: 'egr_2', model: 'gpt-big', entities: { cn_resident_id: 1, name: 1 }, subjects: { personal: 1, sensitive: 1 }, mechanism: 'standard_contract_or_certification', filingReference: 'SC-1', rules: ['R-SC2'] }),
        egressFact({ egressId: 'egr_3', destination: { country: 'US', location: 'Virginia' }, retentionDays: 7 }),
        egressFact({ egressId: 'egr_4', provider: { id: 'eu', name: 'Euro AI', jurisdiction: 'FR' }, destination: { country: 'FR', location: 'Paris' }, contractId: 'ctr_eu', counted: false, rules: ['R-EX3'] }),
        egressFact({ egressId: 'egr_5', date: '2024-12-31T01:00:00Z' }),
        egressFact({ egressId: 'egr_6', exporter: { id: 'other', name: 'Other Co' } }),
      ];
      const report = await annualReport(database, { exporterId: 'exp', year: 2025 }, source([fact()], [], undefined, calls));
      const egress = report.exporters[0]!.aiEgress;
      expect(egress).toMatchObject({ calls: 4, entities: { cn_mobile: 3, cn_resident_id: 1, name: 7 }, persons: { personal: 10, sensitive: 1 }, exempt: { calls: 1 } });
      expect(Object.keys(egress.entities)).toEqual(['cn_mobile', 'cn_resident_id', 'name']);
      expect(egress.providers).toEqual([
        {
          id: 'eu', name: 'Euro AI', jurisdiction: 'FR', contact: null, destination: { country: 'FR', location: 'Paris' },
          endpoints: ['https://api.example.com/v1'], models: ['gpt-test'], purposes: ['customer-support'], contracts: ['ctr_eu'],
          calls: 1, entities: { cn_mobile: 1, name: 2 }, persons: { personal: 3, sensitive: 0 }, retentionDays: [30], onwardTransfer: false,
          mechanisms: [{ mechanism: 'none', calls: 1, filingReferences: [], rules: ['R-EX3'] }],
        },
        {
          id: 'llm', name: 'Model Co', jurisdiction: 'US', contact: null, destination: { country: 'US', location: 'Oregon' },
          endpoints: ['https://api.example.com/v1'], models: ['gpt-big', 'gpt-test'], purposes: ['customer-support'], contracts: ['ctr_ai'],
          calls: 2, entities: { cn_mobile: 1, cn_resident_id: 1, name: 3 }, persons: { personal: 4, sensitive: 1 }, retentionDays: [30], onwardTransfer: false,
          mechanisms: [
            { mechanism: 'none', calls: 1, filingReferences: [], rules: ['R-EX6'] },
            { mechanism: 'standard_contract_or_certification', calls: 1, filingReferences: ['SC-1'], rules: ['R-SC2'] },
          ],
        },
        expect.objectContaining({ id: 'llm', destination: { country: 'US', location: 'Virginia' }, calls: 1, retentionDays: [7] }),
      ]);
      // An exporter whose only export that year was a prompt is in the regulator's report, with no transfers.
      const all = await annualReport(database, { year: 2025 }, source([], [], undefined, calls));
      expect(all.exporters.map((e) => [e.exporter.id, e.exporter.name, e.volumes.transfers, e.aiEgress.calls])).toEqual([
        ['exp', 'Acme Shanghai', 0, 4],
        ['other', 'Other Co', 0, 1],
      ]);
      const none = await annualReport(database, { exporterId: 'exp', year: 2025 }, source([fact()]));
      expect(none.exporters[0]!.aiEgress).toEqual({ calls: 0, entities: {}, persons: { personal: 0, sensitive: 0 }, exempt: { calls: 0 }, providers: [] });
    });

    it('covers every exporter for the regulator, with complaints and incidents', async () => {
      const database = await open();
      const complaint = { date: '2025-06-01', exporterId: 'quiet', summary: 'asked who receives data', handling: 'answered in 3 days' };
      const incident = { date: '2025-07-01', exporterId: 'exp', summary: 'misdirected package', handling: 'revoked and re-keyed' };
      const report = await annualReport(database, { year: 2025 }, source([fact()], [complaint], [incident]));
      expect(report.exporters.map((e) => e.exporter.id)).toEqual(['exp', 'quiet']);
      expect(report.exporters[0]!.incidents).toEqual([incident]);
      expect(report.exporters[1]!.complaints).toEqual([complaint]);
      expect(report.exporters[1]!.volumes.transfers).toBe(0);
    });
  });
});

describe('renderAnnualReportMarkdown', () => {
  it('renders every R-REPORT section and escapes user-supplied values', async () => {
    const report = {
      report: 'R-REPORT' as const,
      year: 2025,
      generatedAt: '2026-01-15T00:00:00.000Z',
      exporters: [
        {
          exporter: { id: 'exp', name: 'Acme | <script>', contact: null },
          volumes: { transfers: 1, records: 1_234_567, persons: { personal: 100_000, sensitive: 2 }, exempt: { transfers: 0, records: 0, subjects: 0 } },
          recipients: [{ id: 'r', name: 'R*co*', jurisdiction: 'DE', contact: null, transfers: 1, records: 1, subjects: 1, purposes: ['x\ny'], fields: ['f'], onwardTransfer: false, contracts: ['c'] }],
          dataTypes: [],
          purposes: [],
          storage: [],
          use: [],
          onwardTransfers: [],
          mechanisms: [{ mechanism: 'security_assessment' as const, transfers: 1, filingReferences: ['SA-1'], rules: ['R-SA3'] }],
          complaints: [],
          incidents: [],
          aiEgress: {
            calls: 12,
            entities: { cn_mobile: 3, name: 20 },
            persons: { personal: 21, sensitive: 0 },
            exempt: { calls: 0 },
            providers: [
              {
                id: 'llm', name: 'Model | Co', jurisdiction: 'US', contact: null, destination: { country: 'US', location: 'Oregon' },
                endpoints: ['https://api.example.com/v1'], models: ['gpt-test'], purposes: ['support'], contracts: ['ctr_ai'],
                calls: 12, entities: { cn_mobile: 3, name: 20 }, persons: { personal: 21, sensitive: 0 }, retentionDays: [30], onwardTransfer: false,
                mechanisms: [{ mechanism: 'standard_contract_or_certification' as const, calls: 12, filingReferences: ['SC-9'], rules: ['R-SC1'] }],
              },
            ],
          },
        },
      ],
    };
    const md = renderAnnualReportMarkdown(report);
    expect(md).toContain('Overseas model providers (AI egress');
    expect(md).toContain('| Model \\| Co | US | US, Oregon | https://api.example.com/v1 | gpt-test | support | 12 | cn\\_mobile 3, name 20 | 21 PI, 0 sensitive PI | 30 | standard contract or certification (12; SC-9) |');
    expect(md).toContain('Prompts to overseas models (AI egress): 12 calls (0 under exemption scenarios)');
    for (const heading of ['Overseas recipients', 'Types and categories', 'Volume', 'Purposes', 'storage locations and retention', 'Scope and method of use', 'Onward transfers', 'Legal mechanisms and filings', 'complaints', 'incidents']) {
      expect(md).toContain(heading);
    }
    expect(md).toContain('Acme \\| \\<script\\>');
    expect(md).toContain('R\\*co\\*');
    expect(md).toContain('x y');
    expect(md).toContain('1,234,567');
    expect(md).toContain('_None recorded._');
    expect(renderAnnualReportMarkdown({ ...report, exporters: [] })).toContain('No exports recorded');
  });
});

describe('pipiaDraft (R-DUTY-PIPIA)', () => {
  const contract: PipiaContract = {
    id: 'ctr_1',
    purposes: ['payroll'],
    legalBasis: 'consent',
    fields: { employee_id: { transform: 'hash' }, health: { transform: 'keep' }, salary: { transform: 'aggregate' } },
    validUntil: '2027-01-01',
    retentionDays: 365,
    onwardTransfer: false,
    destination: { country: 'DE', location: 'Frankfurt' },
  };
  const dataset: PipiaDataset = {
    id: 'ds_1',
    name: 'HR master',
    fields: [
      { name: 'employee_id', type: 'string', category: 'personal', subject: true },
      { name: 'health', type: 'string', category: 'sensitive' },
      { name: 'salary', type: 'number', category: 'general' },
      { name: 'home_address', type: 'string', category: 'personal' },
    ],
    records: 5000,
  };

  it('pre-fills the export facts and leaves every judgement to the owner', () => {
    const md = pipiaDraft(contract, dataset, { id: 'rcp', name: 'Acme GmbH', jurisdiction: 'DE' }, { date: '2026-05-01' });
    expect(md).toMatch(/^# Personal information protection impact assessment — DRAFT/);
    expect(md).toContain('separate consent is required (R-DUTY-CONSENT)');
    expect(md).toContain('Fields that never leave: home\\_address.');
    expect(md).toContain('Sensitive PI fields: health');
    expect(md).toContain('PI fields sent in clear: health');
    expect(md).toContain('Subject field (de-duplicated counting): employee\\_id');
    expect(md).toContain('EU: adequacy');
    expect(md).toContain('a keyed hash (pseudonymous, still PI)');
    expect(md).toContain('Run `sluice assess`');
    for (const section of ['## 1.', '## 2.', '## 3.', '## 4.', '## 5.', '## 6.', '## 7.', '## 8.', '## 9.']) expect(md).toContain(section);
    expect(md.match(/To be completed by the data owner/g)!.length).toBeGreaterThanOrEqual(7);
  });

  it('states the assessed mechanism and warns about core data', () => {
    const md = pipiaDraft(
      { ...contract, fields: { ...contract.fields, reactor: { transform: 'keep' } } },
      { ...dataset, fields: [...dataset.fields, { name: 'reactor', type: 'string', category: 'core' }] },
      { id: 'rcp', name: 'Acme', jurisdiction: 'US' },
      { assessment: { mechanism: 'prohibited', regime: '2024', rules: ['R-CORE'], duties: [], explanation: '' } },
    );
    expect(md).toContain('Mechanism: prohibited (2024 regime)');
    expect(md).toContain('core data must not leave the country (R-CORE)');
    expect(md).toContain('DOJ rule');
  });
});
