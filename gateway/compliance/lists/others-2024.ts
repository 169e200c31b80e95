import type { ListField, NegativeList } from './types.ts';

/**
 * Lists whose fields REGULATION.md names without figures. No Scenario value falls in their
 * fields yet, so an exporter registered there is judged by the national rules (R-FTZ-SCOPE).
 */
const field = (name: string): ListField => ({ name, industries: [name], scenarios: [], rule: null, thresholds: 'not-loaded' });

const pending = 'REGULATION.md gives only the month; taken as the first day of the next month so the list is never applied early — replace with the date of the official notice';

export const hainan2024: NegativeList = {
  ftz: 'hainan',
  title: 'China (Hainan) Pilot FTZ Data Export Management List (Negative List)',
  edition: '2024',
  inForce: '2025-03-01',
  inForceNote: pending,
  scope: 'named-fields',
  scopeRule: 'R-FTZ-SCOPE',
  fields: ['deep sea', 'aerospace', 'seed industry', 'tourism', 'duty-free retail'].map(field),
};

export const shanghai2024: NegativeList = {
  ftz: 'shanghai',
  title: 'China (Shanghai) Pilot FTZ and Lingang Special Area Data Export Management List (Negative List)',
  edition: '2024',
  inForce: '2025-03-01',
  inForceNote: pending,
  scope: 'named-fields',
  scopeRule: 'R-FTZ-SCOPE',
  fields: ['reinsurance', 'international shipping', 'retail and catering', 'accommodation'].map(field),
};

export const zhejiang2024: NegativeList = {
  ftz: 'zhejiang',
  title: 'China (Zhejiang) Pilot FTZ Data Export Management List (Negative List)',
  edition: '2024',
  inForce: '2025-04-01',
  inForceNote: pending,
  scope: 'named-fields',
  scopeRule: 'R-FTZ-SCOPE',
  fields: ['B2B e-commerce', 'clearing and settlement'].map(field),
};
