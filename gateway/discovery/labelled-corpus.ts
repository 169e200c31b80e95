import type { DetectedKind } from './types.ts';
import { luhnCheckDigit, residentIdCheckChar, usccCheckChar, USCC_ALPHABET } from './pii/check-digits.ts';
import { CARD_BINS, COUNTY_CODES, GIVEN_NAME_CHARS, MOBILE_SEGMENTS, PROVINCE_NAMES, SURNAMES } from './pii/reference-data.ts';

/**
 * A labelled corpus for discovery's precision/recall test: columns of each kind with realistic
 * noise (blanks, typos), and decoys built to fool naive pattern matching.
 */

export interface LabelledColumn {
  name: string;
  label: DetectedKind;
  values: string[];
}

/** Deterministic PRNG (mulberry32) so the corpus, and the test, never flake. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const digits = (r: Rand, n: number): string => Array.from({ length: n }, () => String(int(r, 0, 9))).join('');
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function date(r: Rand, from: number, to: number): string {
  return `${int(r, from, to)}${pad(int(r, 1, 12))}${pad(int(r, 1, 28))}`;
}

export const generate = {
  residentId(r: Rand): string {
    const first17 = pick(r, COUNTY_CODES) + date(r, 1940, 2008) + digits(r, 3);
    return first17 + residentIdCheckChar(first17);
  },
  legacyResidentId(r: Rand): string {
    return pick(r, COUNTY_CODES) + date(r, 1940, 1999).slice(2) + digits(r, 3);
  },
  mobile(r: Rand): string {
    const n = pick(r, MOBILE_SEGMENTS) + digits(r, 8);
    const style = int(r, 0, 5);
    return style === 0 ? `+86 ${n}` : style === 1 ? `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}` : n;
  },
  bankCard(r: Rand): string {
    const body = pick(r, CARD_BINS) + digits(r, pick(r, [16, 19]) - 7);
    const card = body + luhnCheckDigit(body);
    return int(r, 0, 4) === 0 ? card.replace(/(\d{4})(?=\d)/g, '$1 ') : card;
  },
  email(r: Rand): string {
    return `${pick(r, ['zhang', 'li.wei', 'wang_fang', 'chen88', 'liu.yang'])}${digits(r, int(r, 0, 4))}@${pick(r, ['qq.com', '163.com', 'gmail.com', 'example.cn', 'corp.com.cn'])}`;
  },
  passport(r: Rand): string {
    return int(r, 0, 1) === 0 ? pick(r, ['E', 'G']) + digits(r, 8) : 'E' + pick(r, [...'ABCDEFGHJKLMNPQRSTUVWXYZ']) + digits(r, 7);
  },
  uscc(r: Rand): string {
    const body = pick(r, ['91', '92', '12', '52']) + pick(r, COUNTY_CODES) + Array.from({ length: 9 }, () => pick(r, [...USCC_ALPHABET])).join('');
    return body + usccCheckChar(body)!;
  },
  ip(r: Rand): string {
    if (int(r, 0, 3) === 0) return Array.from({ length: 8 }, () => int(r, 0, 0xffff).toString(16)).join(':');
    return [int(r, 1, 223), int(r, 0, 255), int(r, 0, 255), int(r, 1, 254)].join('.');
  },
  name(r: Rand): string {
    return pick(r, SURNAMES) + Array.from({ length: int(r, 1, 2) }, () => pick(r, GIVEN_NAME_CHARS)).join('');
  },
  address(r: Rand): string {
    return `${pick(r, PROVINCE_NAMES)}${pick(r, ['省', '市'])}${pick(r, ['朝阳', '海淀', '天河', '武侯', '西湖'])}区${pick(r, ['建国', '中山', '人民', '解放'])}路${int(r, 1, 999)}号`;
  },
  birthDate(r: Rand): string {
    const d = date(r, 1945, 2010);
    return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
  },
};

export const decoy = {
  /** Resident-ID shaped, wrong check character. */
  badCheckId(r: Rand): string {
    const id = generate.residentId(r);
    const wrong = '0123456789X'.replace(id[17]!, '');
    return id.slice(0, 17) + pick(r, [...wrong]);
  },
  /** 16 digits that fail Luhn. */
  nonLuhn16(r: Rand): string {
    const body = pick(r, CARD_BINS) + digits(r, 9);
    return body + ((luhnCheckDigit(body) + int(r, 1, 9)) % 10);
  },
  /** Eleven digits with a prefix no mobile network uses. */
  badPrefixPhone(r: Rand): string {
    return pick(r, ['100', '105', '110', '116', '120', '123', '128', '140', '141', '154', '160', '164', '169', '179', '194']) + digits(r, 8);
  },
  orderDate(r: Rand): string {
    return `2024-${pad(int(r, 1, 12))}-${pad(int(r, 1, 28))}`;
  },
  productName(r: Rand): string {
    return pick(r, ['无线耳机', '笔记本电脑', '保温杯', '王老吉凉茶', '李宁跑鞋', '张裕红酒', '高速充电器', '金龙鱼食用油', '周黑鸭', '马克杯']);
  },
  sku(r: Rand): string {
    return `SKU-${digits(r, 6)}`;
  },
  amount(r: Rand): string {
    return (int(r, 1, 99999) / 100).toFixed(2);
  },
  epochMillis(r: Rand): string {
    return String(1_700_000_000_000 + int(r, 0, 99_999_999));
  },
  comment(r: Rand): string {
    return pick(r, ['物流很快，包装完好', '质量一般', 'great value', '客服态度好', '还会再买', '颜色和图片不一样']);
  },
  uuid(r: Rand): string {
    return Array.from({ length: 32 }, () => int(r, 0, 15).toString(16)).join('').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  },
  city(r: Rand): string {
    return pick(r, ['北京', '上海', '广州', '深圳', '杭州', '成都']);
  },
};

const POSITIVE: [DetectedKind, (r: Rand) => string, string[]][] = [
  ['cn_resident_id', generate.residentId, ['身份证号', 'id_card', 'col_a']],
  ['cn_resident_id', generate.legacyResidentId, ['证件号码', 'legacy_id']],
  ['cn_mobile', generate.mobile, ['手机', 'phone', 'contact_x']],
  ['bank_card', generate.bankCard, ['银行卡号', 'card_no', 'f7']],
  ['email', generate.email, ['邮箱', 'email', 'c3']],
  ['passport', generate.passport, ['护照号', 'passport_no', 'doc']],
  ['uscc', generate.uscc, ['统一社会信用代码', 'credit_code', 'org']],
  ['ip', generate.ip, ['ip', 'client_ip', 'src']],
  ['name', generate.name, ['姓名', 'name', 'holder']],
  ['address', generate.address, ['地址', 'address', 'where']],
  ['date_of_birth', generate.birthDate, ['出生日期', 'dob', 'd1']],
];

const NEGATIVE: [(r: Rand) => string, string[]][] = [
  [decoy.badCheckId, ['身份证号', 'ref_no']],
  [decoy.nonLuhn16, ['card_no', 'tracking']],
  [decoy.badPrefixPhone, ['phone', 'ticket']],
  [decoy.orderDate, ['created_at', 'order_date']],
  [decoy.productName, ['name', 'product']],
  [decoy.sku, ['phone', 'sku']],
  [decoy.amount, ['card_amount', 'price']],
  [decoy.epochMillis, ['account', 'ts']],
  [decoy.comment, ['address', 'comment']],
  [decoy.uuid, ['id_card', 'uuid']],
  [decoy.city, ['address', 'city']],
];

/**
 * `rounds` variants of every positive and decoy column, `rows` values each; positives carry
 * up to 15% blanks and 10% garbage, as real exports do.
 */
export function labelledCorpus(seed: number, rounds: number, rows: number): LabelledColumn[] {
  const r = prng(seed);
  const columns: LabelledColumn[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [label, make, names] of POSITIVE) {
      const blanks = r() * 0.15;
      const garbage = r() * 0.1;
      const values = Array.from({ length: rows }, () => {
        const x = r();
        return x < blanks ? '' : x < blanks + garbage ? decoy.comment(r) : make(r);
      });
      columns.push({ name: pick(r, names), label, values });
    }
    for (const [make, names] of NEGATIVE) {
      columns.push({ name: pick(r, names), label: 'none', values: Array.from({ length: rows }, () => make(r)) });
    }
  }
  return columns;
}
