import { defineRule, formatCount } from './rule.ts';

/** The previous regime (2022-09-01 … 2024-03-21): the 2022 Measures and the Standard Contract Measures. */

const OLD_PROCESSED_BAR = 1_000_000;
const OLD_PI_BAR = 100_000;
const OLD_SENSITIVE_BAR = 10_000;

export const rOldSa = defineRule('R-OLD-SA', (f) => {
  const limbs: string[] = [];
  if (f.carriesPersonal) {
    if (f.ciio) limbs.push('the exporter is a CIIO');
    if (f.processedPersons !== null && f.processedPersons >= OLD_PROCESSED_BAR) {
      limbs.push(`it processes PI of ${formatCount(f.processedPersons)} persons (≥ 1,000,000)`);
    }
    // Under the 2022 Measures the 100,000 bar counts PI of any kind, sensitive included.
    if (f.personalSincePreviousYear !== null && f.personalSincePreviousYear >= OLD_PI_BAR) {
      limbs.push(`it has provided PI of ${formatCount(f.personalSincePreviousYear)} persons since 1 January of the previous year (≥ 100,000)`);
    }
    if (f.sensitiveSincePreviousYear !== null && f.sensitiveSincePreviousYear >= OLD_SENSITIVE_BAR) {
      limbs.push(`it has provided sensitive PI of ${formatCount(f.sensitiveSincePreviousYear)} persons since 1 January of the previous year (≥ 10,000)`);
    }
  }
  if (f.important) limbs.push('it provides important data');
  return limbs.length === 0 ? null : { mechanism: 'security_assessment', reason: limbs.join('; ') };
});

export const rOldSc = defineRule('R-OLD-SC', (f) =>
  f.carriesPersonal ? { mechanism: 'standard_contract_or_certification', reason: 'PI is provided abroad and the 2022 regime has no volume or scenario exemption' } : null,
);
