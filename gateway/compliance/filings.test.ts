import { describe, expect, it } from 'vitest';
import { onBothDatabases } from '../../test/support/compliance/databases.ts';
import { FilingsStore } from './filings.ts';

describe('FilingsStore', () => {
  onBothDatabases((open) => {
    const setup = async () => {
      const filings = new FilingsStore(await open());
      await filings.record('exp', { mechanism: 'standard_contract', reference: 'SC-2026-001', validFrom: '2026-01-10', validUntil: '2027-01-09' });
      await filings.record('exp', { mechanism: 'security_assessment', reference: 'SA-2025-7', validFrom: '2025-03-01', validUntil: '2028-02-29' });
      await filings.record('exp', { mechanism: 'certification', reference: 'CERT-9', validFrom: '2024-01-01', validUntil: '2024-12-31' });
      await filings.confirm('exp', 'SA-2025-7', 'pty_regulator', new Date('2025-03-02T00:00:00Z'));
      return filings;
    };

    it('counts a security assessment only once a regulator confirmed it; declarations count as filed', async () => {
      const filings = new FilingsStore(await open());
      const declared = await filings.record('exp', { mechanism: 'standard_contract', reference: 'SC-1', validFrom: '2026-01-01', validUntil: '2026-12-31' });
      const pending = await filings.record('exp', { mechanism: 'security_assessment', reference: 'SA-1', validFrom: '2026-01-01', validUntil: '2028-12-31' });
      expect([declared.status, pending.status]).toEqual(['declared', 'awaiting_confirmation']);
      expect(await filings.coveringFiling('exp', 'security_assessment', '2026-06-01')).toBeUndefined();
      expect((await filings.coveringFiling('exp', 'standard_contract_or_certification', '2026-06-01'))?.reference).toBe('SC-1');
      const confirmed = await filings.confirm('exp', 'SA-1', 'pty_reg', new Date('2026-02-01T00:00:00Z'));
      expect(confirmed).toMatchObject({ confirmedNow: true, filing: { status: 'confirmed', confirmedBy: 'pty_reg', confirmedAt: '2026-02-01T00:00:00.000Z' } });
      expect((await filings.coveringFiling('exp', 'security_assessment', '2026-06-01'))?.reference).toBe('SA-1');
      expect((await filings.confirm('exp', 'SA-1', 'pty_other', new Date())).confirmedNow).toBe(false);
      await expect(filings.confirm('exp', 'SC-1', 'pty_reg', new Date())).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(filings.confirm('exp', 'nope', 'pty_reg', new Date())).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await filings.list()).map((f) => [f.reference, f.status])).toEqual([['SA-1', 'confirmed'], ['SC-1', 'declared']]);
    });

    it('covers a contract-or-certification requirement with any valid filing, the longest-lived first', async () => {
      const filings = await setup();
      expect((await filings.coveringFiling('exp', 'standard_contract_or_certification', '2026-06-01'))?.reference).toBe('SA-2025-7');
      expect((await filings.coveringFiling('exp', 'standard_contract_or_certification', '2024-06-01'))?.reference).toBe('CERT-9');
    });

    it('covers a security-assessment requirement only with a security assessment', async () => {
      const filings = await setup();
      expect((await filings.coveringFiling('exp', 'security_assessment', '2026-06-01'))?.reference).toBe('SA-2025-7');
      expect(await filings.coveringFiling('exp', 'security_assessment', '2024-06-01')).toBeUndefined();
    });

    it('honours validity dates inclusively, judged by the China date', async () => {
      const filings = await setup();
      expect((await filings.coveringFiling('exp', 'security_assessment', '2028-02-29'))?.reference).toBe('SA-2025-7');
      expect(await filings.coveringFiling('exp', 'security_assessment', '2028-03-01')).toBeUndefined();
      expect(await filings.coveringFiling('exp', 'security_assessment', '2025-02-28')).toBeUndefined();
      // 2025-02-28T16:00Z is 2025-03-01 in Beijing.
      expect((await filings.coveringFiling('exp', 'security_assessment', '2025-02-28T16:00:00Z'))?.reference).toBe('SA-2025-7');
    });

    it('needs no filing for none and has none for prohibited', async () => {
      const filings = await setup();
      expect(await filings.coveringFiling('exp', 'none', '2026-06-01')).toBeUndefined();
      expect(await filings.coveringFiling('exp', 'prohibited', '2026-06-01')).toBeUndefined();
    });

    it("keeps exporters' filings apart and lists them", async () => {
      const filings = await setup();
      expect(await filings.coveringFiling('other', 'standard_contract_or_certification', '2026-06-01')).toBeUndefined();
      expect((await filings.list('exp')).map((f) => f.reference)).toEqual(['CERT-9', 'SA-2025-7', 'SC-2026-001']);
    });

    it('rejects bad input and duplicate references', async () => {
      const filings = await setup();
      const reject = (input: unknown) => filings.record('exp', input);
      await expect(reject({ mechanism: 'contract', reference: 'X', validFrom: '2026-01-01', validUntil: '2027-01-01' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(reject({ mechanism: 'certification', reference: 'X', validFrom: '2027-01-01', validUntil: '2026-01-01' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(reject({ mechanism: 'certification', reference: 'X', validFrom: '2026-02-30', validUntil: '2027-01-01' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(reject({ mechanism: 'certification', reference: 'CERT-9', validFrom: '2026-01-01', validUntil: '2027-01-01' })).rejects.toMatchObject({ code: 'CONFLICT' });
    });
  });
});
