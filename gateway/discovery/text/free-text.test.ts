import { describe, expect, it } from 'vitest';
import { findEntities } from './scan.ts';
import { freeTextCorpus, scoreCorpus } from './free-text-corpus.ts';
import type { EntityKind } from './kinds.ts';

const STRUCTURED: EntityKind[] = ['cn_resident_id', 'cn_mobile', 'cn_landline', 'bank_card', 'email', 'passport', 'licence_plate', 'uscc', 'ip'];
const today = { year: 2026, month: 12, day: 1 };

const kindsOf = (text: string) => findEntities(text, { today }).map((s) => [s.kind, text.slice(s.start, s.end)]);

describe('free-text scanner on a labelled corpus', () => {
  // 4,000 notes, tickets and chats; its names, roads and estates come from the corpus's own lists.
  const corpus = freeTextCorpus(20261203, 4000);
  const score = scoreCorpus(corpus, (text) => findEntities(text, { today }));

  it.each(STRUCTURED)('%s: recall ≥ 0.98 and precision ≥ 0.98', (kind) => {
    const s = score.kinds[kind]!;
    expect(s.planted).toBeGreaterThan(50);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });

  it.each(['name', 'address'] as const)('%s: recall and precision ≥ 0.85', (kind) => {
    const s = score.kinds[kind]!;
    expect(s.planted).toBeGreaterThan(500);
    expect(s.recall).toBeGreaterThanOrEqual(0.85);
    expect(s.precision).toBeGreaterThanOrEqual(0.85);
  });

  it('keeps ≥ 0.90 of the look-alike decoys (orders, amounts, dates, SKUs, companies, IDs failing the check)', () => {
    expect(score.decoys.planted).toBeGreaterThan(3000);
    expect(score.decoys.rate).toBeGreaterThanOrEqual(0.9);
  });
});

describe('free-text scanner, case by case', () => {
  it('finds each identifier with its exact span', () => {
    expect(kindsOf('身份证11010519491231002X，手机+86 138-1234-5678，座机(0571)88886666')).toEqual([
      ['cn_resident_id', '11010519491231002X'],
      ['cn_mobile', '+86 138-1234-5678'],
      ['cn_landline', '(0571)88886666'],
    ]);
    expect(kindsOf('卡号6222 0212 3456 7890 128，护照EA1234567，车牌粤B D12345外')).toEqual([
      ['bank_card', '6222 0212 3456 7890 128'],
      ['passport', 'EA1234567'],
      ['licence_plate', '粤B D12345'],
    ]);
    expect(kindsOf('税号91350100M000100Y43，登录IP 10.2.3.4 和 2001:db8::1，邮箱li.wei+tag@example.com.cn')).toEqual([
      ['uscc', '91350100M000100Y43'],
      ['ip', '10.2.3.4'],
      ['ip', '2001:db8::1'],
      ['email', 'li.wei+tag@example.com.cn'],
    ]);
  });

  it('refuses look-alikes that fail their checks', () => {
    // Wrong ID check character, card failing Luhn, dead mobile prefix, USCC with a bad organization-code check.
    expect(kindsOf('编号110105194912310021，卡6222021234567890127，号码12012345678，代码91350100M000100Y53')).toEqual([]);
    // A run-together 12-digit reference is no landline without a phone cue; with one it is.
    expect(kindsOf('流水号057188886666')).toEqual([]);
    expect(kindsOf('电话057188886666')).toEqual([['cn_landline', '057188886666']]);
    // A resident ID whose birth date is after "today" is not one yet.
    expect(kindsOf('110105202612310023')).toEqual([]);
  });

  it('reads names from surnames, given-name statistics and context', () => {
    expect(kindsOf('收件人：司马天佑')).toEqual([['name', '司马天佑']]);
    expect(kindsOf('谢谢胡泽宇，车主曹振华已到')).toEqual([
      ['name', '胡泽宇'],
      ['name', '曹振华'],
    ]);
    expect(kindsOf('周末很高兴，马上就到了，方便的话黄金金额一起算')).toEqual([]);
    // Inside an organisation name a surname character opens no name.
    expect(kindsOf('武汉宏达网络有限公司负责')).toEqual([]);
  });

  it('reads addresses as chains of gazetteer divisions, roads, numbers and estates', () => {
    expect(kindsOf('地址：浙江省杭州市西湖区文三路398号3栋2单元501室，谢谢')).toEqual([['address', '浙江省杭州市西湖区文三路398号3栋2单元501室']]);
    expect(kindsOf('请放到中山北路12号门口')).toEqual([['address', '中山北路12号']]);
    // A city alone, or a city and a shop, is no address.
    expect(kindsOf('杭州的天气，杭州超市')).toEqual([]);
  });

  it('filters kinds without letting one kind be read as another', () => {
    const text = '张伟的身份证11010519491231002X';
    expect(findEntities(text, { today, kinds: new Set(['name']) }).map((s) => text.slice(s.start, s.end))).toEqual(['张伟']);
    expect(findEntities(text, { today, kinds: new Set(['cn_mobile']) })).toEqual([]);
  });
});
