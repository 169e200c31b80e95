import { luhnCheckDigit, orgCodeCheckChar, residentIdCheckChar, usccCheckChar } from '../pii/check-digits.ts';
import { prng } from '../labelled-corpus.ts';
import type { EntityKind } from './kinds.ts';

/**
 * A labelled Chinese free-text corpus for the scanner's precision/recall test and the redact
 * benchmark: notes, tickets and chats from templates, with planted personal data and look-alike
 * decoys (order numbers, amounts, dates, SKUs, company names, 18-digit numbers failing the ID
 * check). Its word lists are its own — written for this corpus, not taken from the detector's
 * lexicon — so the detector is measured on names and places it was not built from; a few
 * surnames here are outside the detector's lists on purpose.
 */

export type DecoyKind = 'order' | 'amount' | 'date' | 'sku' | 'company' | 'bad_id' | 'tracking' | 'time' | 'product';

export interface Planted<K extends string> {
  kind: K;
  start: number;
  end: number;
}

export interface LabelledText {
  text: string;
  entities: Planted<EntityKind>[];
  decoys: Planted<DecoyKind>[];
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const digits = (r: Rand, n: number): string => Array.from({ length: n }, () => String(int(r, 0, 9))).join('');
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

// Surnames weighted by rough frequency (repeats), with some rarer ones the detector's tiers lack.
const SURNAMES = [
  ...'王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵钱严武戴孔汤',
  ...'俞葛伍聂柴岳齐梅庞骆耿关纪舒祝阮甘童凌霍苗费蓝鲍戚符欧景盛房饶滕柏窦晏卫闵栾娄喻冷辛楚宁',
  ...'禹危庹笪',
];
const COMPOUND = ['欧阳', '司马', '诸葛', '上官', '慕容', '夏侯'];
const GIVEN_TWO = [
  '子涵', '浩然', '雨欣', '建华', '秀英', '志强', '晓东', '俊杰', '思远', '嘉怡', '梓萱', '宇航', '欣妍', '一鸣', '海峰', '丽华', '文静',
  '国庆', '春梅', '玉兰', '明辉', '佳琪', '诗涵', '博文', '梦瑶', '家豪', '泽宇', '若曦', '天佑', '雅婷', '晨阳', '紫薇', '振华', '桂芳',
  '德明', '淑珍', '永刚', '红霞', '立新', '卫东', '晓燕', '海燕', '凤英', '金花', '光明', '少华', '婉清', '静怡', '昊天', '景行', '安琪',
  '亦凡', '书瑶', '奕辰', '沐阳', '思彤', '芷若', '云飞', '鹏程', '子墨', '宏伟', '雪梅', '慧敏', '国栋', '建军', '学军', '秋菊', '美玲',
];
const GIVEN_ONE = [...'伟芳敏静磊洋勇艳杰娟涛超霞刚萍斌鹏琳倩瑶蕾婧昕骁炜琦珂岚彬璇钰莹'];

const ROADS = ['文三路', '中山北路', '人民南路', '解放大道', '淮海中路', '长江路', '学院路', '科技园路', '滨江大道', '幸福街', '丁香巷', '建设西路', '和平里大街', '南京东路', '天府大道', '湖滨路', '西大街', '东风路', '青年路', '五一路'];
const ESTATES = ['阳光花园', '金色家园', '翠苑', '锦绣华庭', '东方明珠公寓', '绿城桂花园', '星河湾', '望京新城', '滨江小区', '紫金苑'];
// Real places written out by hand: province, city, district.
const PLACES: readonly [string, string, string][] = [
  ['浙江省', '杭州市', '西湖区'], ['浙江省', '宁波市', '鄞州区'], ['江苏省', '南京市', '鼓楼区'], ['江苏省', '苏州市', '姑苏区'],
  ['广东省', '广州市', '天河区'], ['广东省', '深圳市', '南山区'], ['四川省', '成都市', '武侯区'], ['湖北省', '武汉市', '洪山区'],
  ['山东省', '青岛市', '市南区'], ['河南省', '郑州市', '金水区'], ['福建省', '厦门市', '思明区'], ['湖南省', '长沙市', '岳麓区'],
  ['陕西省', '西安市', '雁塔区'], ['辽宁省', '大连市', '中山区'], ['安徽省', '合肥市', '蜀山区'], ['云南省', '昆明市', '五华区'],
];
const MUNICIPALITIES: readonly [string, string][] = [['北京市', '海淀区'], ['北京市', '朝阳区'], ['上海市', '浦东新区'], ['上海市', '徐汇区'], ['天津市', '南开区'], ['重庆市', '渝中区']];
const COMPANY_PLACES = ['杭州', '深圳', '上海', '北京', '苏州', '成都', '武汉'];
const COMPANY_WORDS = ['华信', '远航', '金桥', '博雅', '天成', '恒通', '新锐', '宏达', '瑞丰', '中科'];
const COMPANY_TRADES = ['科技', '贸易', '物流', '电子', '网络', '医药', '食品'];
const PRODUCTS = ['无线耳机', '保温杯', '笔记本电脑', '蓝牙音箱', '儿童座椅', '空气炸锅', '羽绒服', '运动手环', '电动牙刷', '行李箱'];
const EMAIL_USERS = ['xiaoming', 'chen.li', 'wang_hui', 'zhao88', 'sunny.liu', 'hr-team', 'kefu', 'linda.wu', 'zhangwei2020', 'amy_zhou'];
const EMAIL_DOMAINS = ['qq.com', '163.com', '126.com', 'sina.com', 'outlook.com', 'example.cn', 'corp.example.com'];
const PLATE_PROVINCES = [...'京沪浙苏粤川鄂鲁豫闽湘皖陕辽渝津'];
const PLATE_LETTERS = [...'ABCDEFGHJKLMNPQRSTUVWXYZ'];
const AREA_CODES = ['010', '021', '020', '0571', '0755', '028', '027', '0532', '0512', '029'];
const COUNTIES = ['110108', '310115', '330106', '440305', '510107', '420111', '320106', '370202', '350203', '430104'];
const USCC_ALPHA = [...'0123456789ABCDEFGHJKLMNPQRTUWXY'];

export const plant = {
  name(r: Rand): string {
    if (r() < 0.04) return pick(r, COMPOUND) + pick(r, [...GIVEN_TWO, ...GIVEN_ONE]);
    return pick(r, SURNAMES) + (r() < 0.7 ? pick(r, GIVEN_TWO) : pick(r, GIVEN_ONE));
  },
  address(r: Rand): string {
    const number = `${int(r, 1, 999)}号`;
    const unit = r() < 0.5 ? `${int(r, 1, 30)}栋${int(r, 1, 6)}单元${int(r, 1, 32)}${pad(int(r, 1, 4))}室` : r() < 0.5 ? `${pick(r, ESTATES)}${int(r, 1, 20)}幢${int(r, 101, 2804)}室` : '';
    const style = int(r, 0, 3);
    if (style === 0) {
      const [p, c, d] = pick(r, PLACES);
      return `${p}${c}${d}${pick(r, ROADS)}${number}${unit}`;
    }
    if (style === 1) {
      const [c, d] = pick(r, MUNICIPALITIES);
      return `${c}${d}${pick(r, ROADS)}${number}${unit}`;
    }
    if (style === 2) {
      const [, c, d] = pick(r, PLACES);
      return `${c.slice(0, -1)}${d}${pick(r, ROADS)}${number}${unit}`;
    }
    return `${pick(r, ROADS)}${number}${unit}`;
  },
  cn_resident_id(r: Rand): string {
    const first17 = pick(r, COUNTIES) + `${int(r, 1950, 2006)}${pad(int(r, 1, 12))}${pad(int(r, 1, 28))}` + digits(r, 3);
    return first17 + residentIdCheckChar(first17);
  },
  cn_mobile(r: Rand): string {
    const n = pick(r, ['135', '139', '150', '186', '177', '188', '199', '131', '158', '166']) + digits(r, 8);
    const style = int(r, 0, 4);
    return style === 0 ? `+86 ${n}` : style === 1 ? `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}` : style === 2 ? `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}` : n;
  },
  cn_landline(r: Rand): string {
    const area = pick(r, AREA_CODES);
    const local = String(int(r, 2, 8)) + digits(r, area.length === 3 ? 7 : int(r, 6, 7));
    return pick(r, [`${area}-${local}`, `(${area})${local}`, `${area} ${local}`, `${area}-${local}-${int(r, 100, 9999)}`]);
  },
  bank_card(r: Rand): string {
    const body = pick(r, ['622202', '621700', '622848', '621483', '622588', '625965', '436742', '518710']) + digits(r, pick(r, [16, 19]) - 7);
    const card = body + luhnCheckDigit(body);
    return r() < 0.3 ? card.replace(/(\d{4})(?=\d)/g, '$1 ') : card;
  },
  email(r: Rand): string {
    return `${pick(r, EMAIL_USERS)}${r() < 0.5 ? int(r, 1, 999) : ''}@${pick(r, EMAIL_DOMAINS)}`;
  },
  passport(r: Rand): string {
    return r() < 0.5 ? pick(r, ['E', 'G']) + digits(r, 8) : 'E' + pick(r, PLATE_LETTERS) + digits(r, 7);
  },
  licence_plate(r: Rand): string {
    const serial = r() < 0.2 ? pick(r, ['D', 'F']) + pick(r, PLATE_LETTERS) + digits(r, 4) : digits(r, 3) + pick(r, PLATE_LETTERS) + digits(r, 1);
    return pick(r, PLATE_PROVINCES) + pick(r, PLATE_LETTERS) + serial;
  },
  uscc(r: Rand): string {
    const org8 = Array.from({ length: 8 }, () => pick(r, USCC_ALPHA.slice(0, 10))).join('');
    const body = pick(r, ['91', '92', '12', '52']) + pick(r, COUNTIES) + org8 + orgCodeCheckChar(org8)!;
    return body + usccCheckChar(body)!;
  },
  ip(r: Rand): string {
    if (r() < 0.2) return `2001:db8:${int(r, 0, 0xffff).toString(16)}::${int(r, 1, 0xffff).toString(16)}`;
    return [int(r, 1, 223), int(r, 0, 255), int(r, 0, 255), int(r, 1, 254)].join('.');
  },
};

export const decoy = {
  order(r: Rand): string {
    return pick(r, [`DD${int(r, 2023, 2025)}${pad(int(r, 1, 12))}${pad(int(r, 1, 28))}${digits(r, 6)}`, `${int(r, 2023, 2025)}${pad(int(r, 1, 12))}${digits(r, 10)}`, `NO.${digits(r, 12)}`]);
  },
  amount(r: Rand): string {
    return pick(r, [`${int(r, 1, 99999)}.${pad(int(r, 0, 99))}元`, `¥${int(r, 1, 9999)}`, `${int(r, 1, 500)}万元`]);
  },
  date(r: Rand): string {
    const y = int(r, 2022, 2025);
    return pick(r, [`${y}-${pad(int(r, 1, 12))}-${pad(int(r, 1, 28))}`, `${y}年${int(r, 1, 12)}月${int(r, 1, 28)}日`, `${int(r, 1, 12)}月${int(r, 1, 28)}日`]);
  },
  sku(r: Rand): string {
    return pick(r, [`SKU-${digits(r, 6)}`, `A${digits(r, 2)}-${pick(r, PLATE_LETTERS)}${digits(r, 4)}`, `${pick(r, ['XL', 'M', 'S'])}-${digits(r, 5)}`]);
  },
  company(r: Rand): string {
    return `${pick(r, COMPANY_PLACES)}${pick(r, COMPANY_WORDS)}${pick(r, COMPANY_TRADES)}有限公司`;
  },
  /** 18 digits shaped like a resident ID with a wrong check character. */
  bad_id(r: Rand): string {
    const id = plant.cn_resident_id(r);
    return id.slice(0, 17) + pick(r, [...'0123456789X'.replace(id[17]!, '')]);
  },
  tracking(r: Rand): string {
    return pick(r, [`SF${digits(r, 12)}`, `YT${digits(r, 13)}`, `JD${digits(r, 13)}`, digits(r, 15)]);
  },
  time(r: Rand): string {
    return `${pad(int(r, 0, 23))}:${pad(int(r, 0, 59))}`;
  },
  product(r: Rand): string {
    return pick(r, PRODUCTS);
  },
};

/** Slots a template names: planted kinds and decoys. */
type Slot = EntityKind | DecoyKind;

const TEMPLATES: readonly string[] = [
  // Customer-service tickets
  '工单{order}：客户{name}来电反映{product}无法开机，联系电话{cn_mobile}，请于{date}前回访。',
  '投诉记录：{name}（身份证{cn_resident_id}）称{date}购买的{product}少发一件，订单号{order}，金额{amount}。',
  '退款申请已提交，收款卡号{bank_card}，持卡人{name}，退款{amount}，预计{date}到账。',
  '用户{name}邮箱{email}反馈登录异常，登录IP为{ip}，时间{time}，已重置密码。',
  '售后单{order}，商品{sku}，寄回地址{address}，联系人{name}，电话{cn_mobile}。',
  '{name}先生致电咨询{product}保修，座机{cn_landline}，已告知{date}前可免费维修。',
  '客户在{company}工作，统一社会信用代码{uscc}，开票抬头已核实，订单{order}。',
  // Delivery notes
  '收件人：{name}；电话：{cn_mobile}；地址：{address}；备注：{time}后送达。',
  '快递单号{tracking}已签收，签收人{name}，派送地址{address}。',
  '请把{product}送到{address}，到了打{cn_mobile}找{name}。',
  '寄件人{name}，寄往{address}，运单{tracking}，运费{amount}。',
  // Medical / HR / bank notes
  '患者{name}，{date}入院，住址{address}，身份证号{cn_resident_id}，家属电话{cn_mobile}。',
  '员工{name}入职{company}，工资卡{bank_card}，紧急联系人{name}，电话{cn_mobile}。',
  '护照号{passport}的旅客{name}已改签至{date}航班，联系邮箱{email}。',
  '{name}申请报销{amount}，发票代码{order}，审批人{name}。',
  '开户人{name}，证件号码{cn_resident_id}，预留手机{cn_mobile}，开户行地址{address}。',
  '访客{name}驾驶{licence_plate}于{time}进入园区，受访单位{company}。',
  '车辆{licence_plate}违停，车主{name}，联系电话{cn_mobile}，罚款{amount}。',
  // Chats
  '你好，我是{name}，上次买的{product}坏了，订单{order}，能换吗？',
  '@{name} 明天{time}在会议室开会，带上{sku}的样品。',
  '我的手机号换成{cn_mobile}了，以后打这个，身份证还是{cn_resident_id}。',
  '和{name}约好{date}去看房，房子在{address}，中介电话{cn_landline}。',
  '老板说{name}的报销{amount}今天批，卡号{bank_card}对吧？',
  '服务器{ip}又挂了，{name}你看下日志，{time}开始报错。',
  '我家在{address}，快递放门口就行，谢谢{name}。',
  '发票开给{company}，税号{uscc}，寄到{address}，收件人{name}。',
  // Decoy-heavy texts
  '订单{order}已发货，{product}共{amount}，预计{date}送达，物流{tracking}。',
  '参考号{bad_id}的批次已入库，SKU{sku}，入库时间{date} {time}。',
  '{company}与{company}签订合同，金额{amount}，编号{bad_id}。',
  '库存提醒：{product}（{sku}）仅剩少量，补货单{order}，{date}到货。',
  // Ordinary prose full of words that open with a surname character (高兴, 周到, 马上, 金额…)
  '客户很高兴，说服务周到，马上就付了{amount}的余额，还问何时有{product}的活动。',
  '物流显示{date}到达，包裹是黄色的纸箱，白色胶带，文件袋里有发票，编号{order}。',
  '系统升级后程序运行安全，任务按时完成，常见问题已处理，向前兼容{sku}。',
  '于是安排了万一出问题的预案，许多同事都同意由{company}负责，范围包括{product}。',
  '金额核对无误，严重损坏的不退，史上最快的一次对账，时间{time}。',
  '江边的石头很多，方便的话周末再来，杜绝安全隐患，钱包和龙头都检查了。',
  '林业局通知{date}起禁止用火，武器弹药严禁带入，田间管理按{order}执行。',
];

const SLOT = /\{([a-z_]+)\}/g;

function fill(r: Rand, template: string): LabelledText {
  const entities: Planted<EntityKind>[] = [];
  const decoys: Planted<DecoyKind>[] = [];
  let text = '';
  let last = 0;
  for (const m of template.matchAll(SLOT)) {
    text += template.slice(last, m.index);
    const slot = m[1] as Slot;
    const value = slot in plant ? plant[slot as keyof typeof plant](r) : decoy[slot as DecoyKind](r);
    const span = { start: text.length, end: text.length + value.length };
    if (slot in plant) entities.push({ kind: slot as EntityKind, ...span });
    else decoys.push({ kind: slot as DecoyKind, ...span });
    text += value;
    last = m.index + m[0].length;
  }
  return { text: text + template.slice(last), entities, decoys };
}

/** `count` labelled texts, deterministic for a seed. */
export function freeTextCorpus(seed: number, count: number): LabelledText[] {
  const r = prng(seed);
  return Array.from({ length: count }, () => fill(r, pick(r, TEMPLATES)));
}

export interface KindScore {
  planted: number;
  found: number;
  detected: number;
  correct: number;
  recall: number;
  precision: number;
}

export interface CorpusScore {
  kinds: Partial<Record<EntityKind, KindScore>>;
  decoys: { planted: number; kept: number; rate: number };
}

/** Share of a planted span's characters an address must have covered to count as found (its ends are fuzzy in prose). */
const ADDRESS_COVERAGE = 0.8;

/**
 * Recall: a planted value is found when spans of its kind cover all of it (addresses: 80%).
 * Precision: a detected span is correct when it overlaps a planted value of its kind.
 * Decoys: kept when no detected span touches them.
 */
export function scoreCorpus(corpus: readonly LabelledText[], detect: (text: string) => readonly Planted<EntityKind>[]): CorpusScore {
  const kinds: Partial<Record<EntityKind, KindScore>> = {};
  const of = (k: EntityKind) => (kinds[k] ??= { planted: 0, found: 0, detected: 0, correct: 0, recall: 0, precision: 0 });
  let decoysPlanted = 0;
  let decoysKept = 0;
  for (const { text, entities, decoys } of corpus) {
    const spans = detect(text);
    for (const e of entities) {
      const score = of(e.kind);
      score.planted++;
      let covered = 0;
      for (const s of spans) if (s.kind === e.kind) covered += Math.max(0, Math.min(s.end, e.end) - Math.max(s.start, e.start));
      if (covered >= (e.kind === 'address' ? ADDRESS_COVERAGE : 1) * (e.end - e.start)) score.found++;
    }
    for (const s of spans) {
      const score = of(s.kind);
      score.detected++;
      if (entities.some((e) => e.kind === s.kind && e.start < s.end && s.start < e.end)) score.correct++;
    }
    for (const d of decoys) {
      decoysPlanted++;
      if (!spans.some((s) => s.start < d.end && d.start < s.end)) decoysKept++;
    }
  }
  for (const s of Object.values(kinds)) {
    s.recall = s.planted === 0 ? 1 : s.found / s.planted;
    s.precision = s.detected === 0 ? 1 : s.correct / s.detected;
  }
  return { kinds, decoys: { planted: decoysPlanted, kept: decoysKept, rate: decoysPlanted === 0 ? 1 : decoysKept / decoysPlanted } };
}
