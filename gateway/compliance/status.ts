import { assess } from './assess.ts';
import { chinaDate } from './facts.ts';
import { FilingsStore, type Filing } from './filings.ts';
import type { Ftz, Mechanism, Regime } from './scenario.ts';
import type { ComplianceDatabase } from './store/index.ts';
import { SubjectCounter } from './subject-counter.ts';

/** What status needs to know about the exporter beyond its counts. */
export interface ExporterProfile {
  ciio: boolean;
  ftz?: Ftz | null;
  /** Whether the exporter exports notified or designated important data. */
  important?: boolean;
  /** 2022 regime only: persons whose PI the exporter processes. */
  processedPersons?: number | null;
}

/** `GET /v1/compliance/status` (SURFACE.md) plus the date judged, regime and covering filing. */
export interface ComplianceStatus {
  year: number;
  personal: number;
  sensitive: number;
  mechanism: Mechanism;
  rules: string[];
  filings: Filing[];
  asOf: string;
  regime: Regime;
  personalSincePreviousYear: number | null;
  sensitiveSincePreviousYear: number | null;
  /** Reference of the filing covering `mechanism` on `asOf`, or null. */
  coveredBy: string | null;
}

/** The day the year is judged on: today for the current year, else its last (past) or first (future) day. */
function judgedOn(year: number, now: Date): string {
  const today = chinaDate(now.toISOString());
  const current = Number(today.slice(0, 4));
  if (year === current) return today;
  return year < current ? `${year}-12-31` : `${year}-01-01`;
}

/**
 * The mechanism the exporter's counted exports of `year` require for general transfers (exemption
 * scenarios aside, R-EX-COUNT), with the filings valid at any time in that year.
 */
export async function complianceStatus(
  database: ComplianceDatabase,
  exporterId: string,
  year: number,
  profile: ExporterProfile,
  now: Date = new Date(),
): Promise<ComplianceStatus> {
  const counts = await new SubjectCounter(database).counts(exporterId, year);
  const asOf = judgedOn(year, now);
  const assessment = assess({
    date: asOf,
    exporter: { ciio: profile.ciio, ftz: profile.ftz ?? null },
    scenario: 'general',
    data: {
      personal: counts.personal,
      sensitive: counts.sensitive,
      important: profile.important ?? false,
      core: false,
      personalSincePreviousYear: counts.personalSincePreviousYear,
      sensitiveSincePreviousYear: counts.sensitiveSincePreviousYear,
      processedPersons: profile.processedPersons ?? null,
    },
  });
  const store = new FilingsStore(database);
  const filings = (await store.list(exporterId)).filter((f) => f.validFrom <= `${year}-12-31` && f.validUntil >= `${year}-01-01`);
  const covering = await store.coveringFiling(exporterId, assessment.mechanism, asOf);
  return {
    year,
    personal: counts.personal,
    sensitive: counts.sensitive,
    mechanism: assessment.mechanism,
    rules: assessment.rules,
    filings,
    asOf,
    regime: assessment.regime,
    personalSincePreviousYear: counts.personalSincePreviousYear,
    sensitiveSincePreviousYear: counts.sensitiveSincePreviousYear,
    coveredBy: covering?.reference ?? null,
  };
}
