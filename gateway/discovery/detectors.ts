import { isAddress, isBankCard, isBirthDate, isChineseName, isEmail, isIpAddress, isMobile, isPassport, isResidentId, isUscc } from './pii/validators.ts';
import type { DetectedKind, DiscoveredCategory } from './types.ts';

export interface Detector {
  kind: Exclude<DetectedKind, 'none'>;
  category: DiscoveredCategory;
  matches(value: string): boolean;
  /** Header words that make this kind likelier; they never decide alone. */
  header: RegExp;
  /** Share of non-empty values that must validate without / with a matching header. */
  threshold: readonly [number, number];
  /** How much a validating value proves: 1 for check-digit formats, less for pattern heuristics. */
  certainty: number;
}

/**
 * In order of specificity: when two detectors score alike, the earlier wins (an 18-digit
 * resident ID with a valid check digit may also pass Luhn by chance; the ID is the better
 * explanation). Categories: PIPL art. 28 counts financial accounts and specific identity as
 * sensitive, and the automotive list names resident ID numbers, so resident ID, bank card and
 * passport are sensitive; contact and descriptive identifiers are personal; a unified social
 * credit code identifies an organisation, not a person, so it is general.
 */
export const DETECTORS: readonly Detector[] = [
  { kind: 'cn_resident_id', category: 'sensitive', matches: (v) => isResidentId(v), header: /身份证|证件号|公民身份|id_?card|idcard|id_?(?:no|num)|national_?id|resident_?id|sfz/i, threshold: [0.6, 0.3], certainty: 1 },
  { kind: 'uscc', category: 'general', matches: isUscc, header: /信用代码|统一社会|uscc|credit_?code|org(?:anization)?_?code/i, threshold: [0.6, 0.3], certainty: 1 },
  { kind: 'bank_card', category: 'sensitive', matches: isBankCard, header: /银行卡|卡号|账号|帐号|card|pan\b|bank|account/i, threshold: [0.6, 0.3], certainty: 1 },
  { kind: 'cn_mobile', category: 'personal', matches: isMobile, header: /手机|电话|联系方式|mobile|phone|tel\b|cell/i, threshold: [0.6, 0.3], certainty: 0.95 },
  { kind: 'passport', category: 'sensitive', matches: isPassport, header: /护照|passport/i, threshold: [0.6, 0.3], certainty: 0.9 },
  { kind: 'email', category: 'personal', matches: isEmail, header: /邮箱|电子邮件|e-?mail|mail/i, threshold: [0.6, 0.3], certainty: 0.95 },
  { kind: 'ip', category: 'personal', matches: isIpAddress, header: /(?:^|[^a-z])ip(?:[^a-z]|$)|ip_?addr|remote_?addr|IP地址/i, threshold: [0.6, 0.3], certainty: 0.95 },
  { kind: 'date_of_birth', category: 'personal', matches: (v) => isBirthDate(v), header: /出生|生日|birth|dob\b|^dob/i, threshold: [0.7, 0.5], certainty: 0.8 },
  { kind: 'name', category: 'personal', matches: isChineseName, header: /姓名|名字|联系人|收件人|^name$|full_?name|real_?name|person|contact/i, threshold: [0.7, 0.4], certainty: 0.85 },
  { kind: 'address', category: 'personal', matches: isAddress, header: /地址|住址|address|addr\b|street|住所/i, threshold: [0.7, 0.4], certainty: 0.85 },
];
