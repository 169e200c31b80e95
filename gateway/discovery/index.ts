/** Sensitive-data discovery: per-column detection by content, with headers as hints. */
export { discoverColumn, discoverColumns, discoverStream, categoryForField, DEFAULT_DISCOVERY_ROWS } from './discover.ts';
export { DETECTORS, type Detector } from './detectors.ts';
export type { DetectedKind, DiscoveredCategory, DiscoveredColumn, DiscoveryReport } from './types.ts';
export { findEntities, type ScanOptions } from './text/scan.ts';
export { ENTITY_CATEGORY, ENTITY_KINDS, isEntityKind, type EntityKind, type EntitySpan } from './text/kinds.ts';
export {
  cardDigits,
  isAddress,
  isBankCard,
  isBirthDate,
  isChineseName,
  isEmail,
  isIpAddress,
  isLandline,
  isLicencePlate,
  isMobile,
  isPassport,
  isResidentId,
  isUscc,
  isUsccStrict,
  mobileDigits,
} from './pii/validators.ts';
export { luhnCheckDigit, luhnValid, orgCodeCheckChar, residentIdCheckChar, usccCheckChar, USCC_ALPHABET } from './pii/check-digits.ts';
export { parseDate, today, type CalendarDate } from './pii/dates.ts';
export { CARD_BINS, COMPOUND_SURNAMES, COUNTY_CODES, GIVEN_NAME_CHARS, MOBILE_SEGMENTS, PROVINCE_CODES, SURNAMES } from './pii/reference-data.ts';
