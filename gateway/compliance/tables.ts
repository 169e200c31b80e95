import type { SubjectStoreTables } from './store/index.ts';

/** Row types of the compliance tables (both engines). Dates are China dates `YYYY-MM-DD`. */
export interface ComplianceTables extends SubjectStoreTables {
  compliance_filings: FilingsTable;
}

export interface FilingsTable {
  exporter_id: string;
  reference: string;
  mechanism: 'security_assessment' | 'standard_contract' | 'certification';
  valid_from: string;
  valid_until: string;
  recorded_at: string;
  /** Security assessments: when and by which regulator party it was confirmed (migration 0021). */
  confirmed_at: string | null;
  confirmed_by: string | null;
}
