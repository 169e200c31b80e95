import { TIANJIN_LIST_FROM } from '../rules/catalog.ts';
import type { ListField, NegativeList } from './types.ts';

/**
 * The 13 categories (46 sub-categories) of Tianjin's list. Item-level content (which
 * sub-category data needs which mechanism, and the exclusions in its notes) is not loaded, so
 * every category is `not-loaded` and the list grants no relief: a Tianjin exporter is judged by
 * the national rules until the items are entered here (docs/COMPLIANCE.md, "Loading a list").
 */
const category = (name: string, scenarios: ListField['scenarios'] = []): ListField => ({
  name,
  industries: [name],
  scenarios,
  rule: 'R-FTZ-TJ',
  thresholds: 'not-loaded',
});

export const tianjin2024: NegativeList = {
  ftz: 'tianjin',
  title: 'China (Tianjin) Pilot FTZ Data Export Management List (Negative List)',
  edition: '2024',
  inForce: TIANJIN_LIST_FROM,
  inForceNote: 'notice dated 2024-05-08, published 2024-05-09 (REGULATION.md gives 2024-05); check against the official notice',
  scope: 'all-data',
  scopeRule: 'R-FTZ-TJ',
  fields: [
    category('strategic materials and bulk commodities'),
    category('natural resources and environment'),
    category('industry', ['automotive']),
    category('finance'),
    category('statistics'),
    category('information dissemination'),
    category('housing and construction'),
    category('transport'),
    category('public health'),
    category('public security'),
    category('internet services and e-commerce', ['retail_membership']),
    category('science and technology', ['ai_training']),
    category('personal information', ['general']),
  ],
};
