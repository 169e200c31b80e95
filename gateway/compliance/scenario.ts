/**
 * The Scenario a transfer is judged on and the Assessment the engine returns (SURFACE.md,
 * "Scenario and Assessment"). Counts are de-duplicated natural persons, cumulative per exporter
 * (R-NO-SPLIT), including the transfer being assessed and excluding exports made under an
 * exemption scenario (R-EX-COUNT).
 */
export const SCENARIO_KINDS = [
  'general',
  'trade_no_pi',
  'foreign_origin',
  'contract_with_individual',
  'hr',
  'emergency',
  'statutory_duty',
  'ai_training',
  'retail_membership',
  'automotive',
] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export const FTZS = ['beijing', 'shanghai', 'tianjin', 'hainan', 'zhejiang'] as const;
export type Ftz = (typeof FTZS)[number];

export const MODALITIES = ['audio', 'image', 'text'] as const;
export type Modality = (typeof MODALITIES)[number];

/** Same values as a contract's `legalBasis` (SURFACE.md, usage contracts). */
export const LEGAL_BASES = ['consent', 'contract', 'hr', 'emergency', 'statutory', 'other'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export interface Scenario {
  /** Transfer date, `YYYY-MM-DD` (China date) or an ISO 8601 timestamp with offset. */
  date: string;
  exporter: { ciio: boolean; ftz?: Ftz | null };
  scenario: ScenarioKind;
  modality?: Modality | null;
  /** Optional addition to SURFACE: decides R-DUTY-CONSENT (see docs/COMPLIANCE.md). */
  legalBasis?: LegalBasis | null;
  data: {
    personal: number;
    sensitive: number;
    important: boolean;
    core: boolean;
    personalSincePreviousYear?: number | null;
    sensitiveSincePreviousYear?: number | null;
    processedPersons?: number | null;
  };
}

/** Mechanisms from least to most strict; the strictest applicable one wins. */
export const MECHANISMS = ['none', 'standard_contract_or_certification', 'security_assessment', 'prohibited'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export type Regime = '2022' | '2024';

export interface Assessment {
  mechanism: Mechanism;
  regime: Regime;
  rules: string[];
  duties: string[];
  explanation: string;
}

export function stricter(a: Mechanism, b: Mechanism): Mechanism {
  return MECHANISMS.indexOf(a) >= MECHANISMS.indexOf(b) ? a : b;
}
