/** Sensitive-data discovery: per-column detection by content, with headers as hints. */
export { discoverColumn, discoverColumns, discoverStream, categoryForField, DEFAULT_DISCOVERY_ROWS } from './discover.ts';
export { DETECTORS, type Detector } from './detectors.ts';
export type { DetectedKind, DiscoveredCategory, DiscoveredColumn, DiscoveryReport } from './types.ts';
export {
  cardDigits,
  isAddress,
  isBankCard,
  isBirthDate,
  isChineseName,
  isEmail,
  isIpAddress,
  isMobile,
  isPassport,
  isResidentId,
  isUscc,
  mobileDigits,
} from './pii/validators.ts';
export { luhnCheckDigit, luhnValid, residentIdCheckChar, usccCheckChar, USCC_ALPHABET } from './pii/check-digits.ts';
export { parseDate, type CalendarDate } from './pii/dates.ts';
export { CARD_BINS, COMPOUND_SURNAMES, COUNTY_CODES, GIVEN_NAME_CHARS, MOBILE_SEGMENTS, PROVINCE_CODES, SURNAMES } from './pii/reference-data.ts';
