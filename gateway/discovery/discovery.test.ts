import { describe, expect, it } from 'vitest';
import { categoryForField, discoverColumn, discoverColumns, discoverStream } from './discover.ts';
import { decoy, generate, labelledCorpus, prng } from './labelled-corpus.ts';
import {
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
} from './pii/validators.ts';
import { parseDate } from './pii/dates.ts';

describe('validators', () => {
  it('accepts published and generated examples', () => {
    expect(isResidentId('11010519491231002X')).toBe(true);
    expect(isResidentId('11010519491231002x')).toBe(true);
    expect(isResidentId('110105491231002')).toBe(true);
    expect(isUscc('91350100M000100Y43')).toBe(true);
    expect(isBankCard('6222 0212 3456 7890 128')).toBe(isBankCard('6222021234567890128'));
    expect(isMobile('13812345678') && isMobile('+86 138-1234-5678') && isMobile('008613812345678')).toBe(true);
    expect(isEmail('li.wei+tag@example.com.cn')).toBe(true);
    expect(isPassport('E12345678') && isPassport('EA1234567') && isPassport('G87654321')).toBe(true);
    expect(isIpAddress('192.168.0.1') && isIpAddress('2001:db8::1')).toBe(true);
    expect(isChineseName('张三丰') && isChineseName('欧阳娜娜') && isChineseName('买买提·艾力')).toBe(true);
    expect(isAddress('北京市朝阳区建国路88号') && isAddress('No. 88 Jianguo Road, Chaoyang District')).toBe(true);
    expect(isBirthDate('1985-03-12') && isBirthDate('1985年3月12日') && isBirthDate('19850312')).toBe(true);
  });

  it('rejects look-alikes', () => {
    const r = prng(7);
    for (let i = 0; i < 200; i++) {
      expect(isResidentId(decoy.badCheckId(r))).toBe(false);
      expect(isBankCard(decoy.nonLuhn16(r))).toBe(false);
      expect(isMobile(decoy.badPrefixPhone(r))).toBe(false);
    }
    expect(isResidentId('99010519491231002X')).toBe(false);
    expect(isResidentId('110105' + '19491331' + '0021')).toBe(false);
    expect(isResidentId('110105' + '21000101' + '0021')).toBe(false);
    expect(isUscc('91350100M000100Y44')).toBe(false);
    expect(isUscc('91350100M000100I43')).toBe(false);
    expect(isPassport('EI1234567') || isPassport('E1234567') || isPassport('X12345678')).toBe(false);
    expect(isIpAddress('256.1.1.1') || isIpAddress('1.2.3')).toBe(false);
    expect(isChineseName('北京市') || isChineseName('王老吉凉茶') || isChineseName('李宁店') || isChineseName('张')).toBe(false);
    expect(isEmail('a..b@example.com') || isEmail('no-at.example.com')).toBe(false);
    expect(isBirthDate('1899-12-31') || isBirthDate('1985-02-30') || isBirthDate('12/03/1985')).toBe(false);
  });

  it('generated values validate', () => {
    const r = prng(11);
    for (let i = 0; i < 500; i++) {
      expect(isResidentId(generate.residentId(r))).toBe(true);
      expect(isBankCard(generate.bankCard(r))).toBe(true);
      expect(isMobile(generate.mobile(r))).toBe(true);
      expect(isUscc(generate.uscc(r))).toBe(true);
    }
  });

  it('parses year-first dates only', () => {
    expect(parseDate('1985-03-12T08:00:00Z')).toEqual({ year: 1985, month: 3, day: 12 });
    expect(parseDate('2000/2/29')).toEqual({ year: 2000, month: 2, day: 29 });
    expect(parseDate('1900-02-29') ?? parseDate('198503') ?? parseDate('03-12-1985') ?? parseDate(19850312)).toBeUndefined();
    expect(parseDate(new Date(Date.UTC(1985, 2, 12)))).toEqual({ year: 1985, month: 3, day: 12 });
  });
});

describe('discoverColumn', () => {
  it('detects by content and reports the shape SURFACE promises', () => {
    const r = prng(1);
    const values = Array.from({ length: 100 }, () => generate.residentId(r));
    values[0] = '';
    expect(discoverColumn('whatever', values)).toEqual({ name: 'whatever', detected: 'cn_resident_id', category: 'sensitive', confidence: 1, matches: 99, rows: 100 });
  });

  it('never detects from the header alone', () => {
    const r = prng(2);
    expect(discoverColumn('身份证号', Array.from({ length: 50 }, () => decoy.uuid(r))).detected).toBe('none');
    expect(discoverColumn('phone', Array.from({ length: 50 }, () => decoy.sku(r))).detected).toBe('none');
    expect(discoverColumn('name', [])).toMatchObject({ detected: 'none', confidence: 0, rows: 0 });
  });

  it('lets a header lower the threshold and raise confidence', () => {
    const r = prng(3);
    const values = Array.from({ length: 100 }, (_, i) => (i < 45 ? generate.mobile(r) : decoy.comment(r)));
    expect(discoverColumn('c1', values).detected).toBe('none');
    const hinted = discoverColumn('手机号', values);
    expect(hinted).toMatchObject({ detected: 'cn_mobile', category: 'personal', matches: 45 });
    expect(hinted.confidence).toBeGreaterThan(0.45);
  });

  it('needs a spread of years (or a header) to call dates birth dates', () => {
    const r = prng(4);
    expect(discoverColumn('created_at', Array.from({ length: 100 }, () => decoy.orderDate(r))).detected).toBe('none');
    expect(discoverColumn('x', Array.from({ length: 100 }, () => generate.birthDate(r))).detected).toBe('date_of_birth');
    expect(discoverColumn('出生日期', Array.from({ length: 100 }, () => decoy.orderDate(r))).detected).toBe('date_of_birth');
  });

  it('reads numbers and Date objects', () => {
    expect(discoverColumn('m', [13812345678, 13912345678, 18600001111]).detected).toBe('cn_mobile');
    expect(discoverColumn('birth', [new Date('1980-01-02'), new Date('1999-05-06'), new Date('1960-07-08')]).detected).toBe('date_of_birth');
  });
});

describe('precision and recall on a labelled corpus with decoys', () => {
  it('stays above 0.95 on both', () => {
    const corpus = labelledCorpus(20240501, 12, 200);
    let truePositive = 0;
    let predicted = 0;
    let actual = 0;
    const misses: string[] = [];
    for (const column of corpus) {
      const found = discoverColumn(column.name, column.values).detected;
      if (found !== 'none') predicted++;
      if (column.label !== 'none') actual++;
      if (found !== 'none' && found === column.label) truePositive++;
      else if (found !== column.label) misses.push(`${column.name}: ${column.label} → ${found}`);
    }
    const precision = truePositive / predicted;
    const recall = truePositive / actual;
    expect(misses).toEqual([]);
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });
});

describe('reports and categories', () => {
  it('keeps column order and counts absent values as rows', () => {
    const report = discoverColumns([
      { a: '13812345678', b: 'x' },
      { a: '13912345678', c: 'zhang@example.com' },
    ]);
    expect(report.columns.map((c) => [c.name, c.rows])).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 2],
    ]);
    expect(report.columns[2]).toMatchObject({ detected: 'email', matches: 1 });
  });

  it('samples only the first rows of a stream', async () => {
    async function* batches() {
      yield [{ a: 'zhang@example.com' }, { a: 'li@example.com' }];
      yield [{ a: 'x' }];
      throw new Error('read too far');
    }
    expect((await discoverStream(batches(), 2)).columns[0]).toMatchObject({ detected: 'email', rows: 2 });
  });

  it('maps kinds to categories', () => {
    const r = prng(5);
    const of = (make: (r: () => number) => string, name = 'x') => categoryForField(name, Array.from({ length: 30 }, () => make(r)));
    expect([of(generate.residentId), of(generate.bankCard), of(generate.passport)]).toEqual(['sensitive', 'sensitive', 'sensitive']);
    expect([of(generate.mobile), of(generate.email), of(generate.name), of(generate.address), of(generate.birthDate), of(generate.ip)]).toEqual(Array(6).fill('personal'));
    expect([of(generate.uscc), of(decoy.amount), categoryForField('身份证号', [])]).toEqual(['general', 'general', 'general']);
  });
});

describe('free-text columns', () => {
  it('reports prose columns with the kinds found inside them, and the most sensitive category', async () => {
    const { freeTextCorpus } = await import('./text/free-text-corpus.ts');
    const notes = freeTextCorpus(3, 300).map((c) => c.text);
    const column = discoverColumn('remarks', notes);
    expect(column).toMatchObject({ detected: 'none', category: 'sensitive', freeText: true });
    expect(Object.keys(column.entities!).sort()).toEqual(expect.arrayContaining(['address', 'cn_mobile', 'cn_resident_id', 'name']));
    expect(column.entities!.name).toBeGreaterThan(100);
    const clean = discoverColumn('remarks', Array.from({ length: 50 }, (_, i) => `第${i}批货物已经入库，包装完好，质量检查合格，请安排发货`));
    expect(clean).toMatchObject({ category: 'general', freeText: true, entities: {} });
    // Short labels are not prose: no free-text fields at all.
    expect(discoverColumn('comment', ['质量一般', '还会再买', '物流很快']).freeText).toBeUndefined();
  });
});
