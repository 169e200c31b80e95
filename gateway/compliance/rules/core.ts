import { defineRule } from './rule.ts';

/** R-CORE holds under both regimes and no exemption or FTZ list reaches it. */
export const rCore = defineRule('R-CORE', (f) =>
  f.core ? { mechanism: 'prohibited', reason: 'core data must not leave the country' } : null,
);
