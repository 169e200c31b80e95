import { BEIJING_LIST_FROM } from '../rules/catalog.ts';
import type { NegativeList } from './types.ts';

/** Beijing FTZ data export negative list, 2024 edition (REGULATION.md §5). */
export const beijing2024: NegativeList = {
  ftz: 'beijing',
  title: 'China (Beijing) Pilot FTZ Data Export Management List (Negative List)',
  edition: '2024',
  inForce: BEIJING_LIST_FROM,
  inForceNote: 'published with its management measures on 2024-08-30 and usable from publication',
  scope: 'named-fields',
  scopeRule: 'R-FTZ-SCOPE',
  importantDataRule: { rule: 'R-FTZ-BJ-IMP-RULE', personalFrom: 10_000_000, sensitiveFrom: 1_000_000 },
  fields: [
    {
      name: 'AI training data (model training, algorithm development, product testing)',
      industries: ['artificial intelligence'],
      scenarios: ['ai_training'],
      rule: 'R-FTZ-BJ-AI',
      thresholds: [
        { measure: 'sensitive', modalities: ['audio', 'image'], securityAssessmentFrom: 50_000, contractFrom: 10_000 },
        { measure: 'sensitive', modalities: ['text'], securityAssessmentFrom: 100_000, contractFrom: 10_000 },
      ],
      importantData: {
        rule: 'R-FTZ-BJ-AI-IMP',
        kinds: [
          'high-value R&D data tied to industry competitiveness (algorithm source code, key component data, control programs, foundation-model data, data-mining analysis data, test data)',
          'content whose leak endangers national security, the economy, social stability or public health',
          'export-controlled data',
        ],
      },
    },
    {
      name: 'retail and modern services: membership management',
      industries: ['retail', 'modern services'],
      scenarios: ['retail_membership'],
      rule: 'R-FTZ-BJ-RETAIL',
      thresholds: [
        { measure: 'personal', securityAssessmentFrom: 5_000_000, contractFrom: 500_000 },
        { measure: 'sensitive', securityAssessmentFrom: 1_000_000, contractFrom: 100_000 },
      ],
    },
    {
      name: 'automotive',
      industries: ['automotive'],
      scenarios: ['automotive'],
      rule: 'R-FTZ-BJ-AUTO',
      thresholds: 'national',
      importantData: {
        rule: 'R-FTZ-BJ-AUTO',
        kinds: [
          'geography and people/vehicle flows of sensitive areas',
          'traffic and logistics flows',
          'charging-network operation data',
          'exterior video and images containing faces, licence plates or road signs',
          'key connected-vehicle service data',
          'OTA update data',
          'other data enabling attacks on vehicles or networks',
        ],
      },
    },
    { name: 'pharmaceuticals', industries: ['pharmaceuticals'], scenarios: [], rule: null, thresholds: 'not-loaded' },
    { name: 'civil aviation', industries: ['civil aviation'], scenarios: [], rule: null, thresholds: 'not-loaded' },
  ],
};
