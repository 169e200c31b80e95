import type { Facts } from '../facts.ts';
import type { Mechanism } from '../scenario.ts';
import { inForce, ruleMeta, type RuleMeta } from './catalog.ts';

/** What one rule concludes about a transfer: the mechanism it requires (or `none` for an exemption) and why. */
export interface Finding {
  rule: string;
  mechanism: Mechanism;
  reason: string;
}

/** One rule of REGULATION.md as an executable unit. */
export interface Rule {
  meta: RuleMeta;
  /** The rule's finding, or null when it does not speak to this transfer or is not in force on its date. */
  apply(facts: Facts): Finding | null;
}

export function defineRule(id: string, decide: (facts: Facts) => { mechanism: Mechanism; reason: string } | null): Rule {
  const meta = ruleMeta(id);
  return {
    meta,
    apply(facts) {
      if (!inForce(meta, facts.date)) return null;
      const outcome = decide(facts);
      return outcome && { rule: id, ...outcome };
    },
  };
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
