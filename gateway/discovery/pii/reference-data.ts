/**
 * Reference lists for Chinese personal-data formats. Validators use them to reject look-alikes;
 * `simulate` draws from them so its fakes are realistic. Small on purpose: enough to be
 * plausible, not a registry.
 */

/** First two digits of GB/T 2260 division codes (31 provinces; 71 Taiwan; 81/82/83 residence permits). */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83',
]);

/** Real county-level division codes (urban districts of provincial capitals and large cities). */
export const COUNTY_CODES: readonly string[] = [
  '110101', '110102', '110105', '110106', '110108', '120101', '120103', '130102', '140105', '150102', '210102', '220102',
  '230102', '310101', '310104', '310105', '310115', '320102', '320505', '330102', '330106', '340102', '350102', '350203',
  '360102', '370102', '370202', '410102', '420102', '420106', '430102', '440103', '440104', '440106', '440303', '440304',
  '440305', '450102', '460105', '500103', '510104', '510107', '520102', '530102', '540102', '610102', '610113', '620102',
  '630102', '640104', '650102',
];

/** Mainland mobile number segments in use (three leading digits). */
export const MOBILE_SEGMENTS: readonly string[] = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '145', '147', '150', '151', '152', '153', '155', '156',
  '157', '158', '159', '166', '172', '173', '175', '176', '177', '178', '180', '181', '182', '183', '184', '185', '186', '187',
  '188', '189', '191', '193', '195', '196', '197', '198', '199',
];

/** Issuer identification numbers of large Chinese banks (UnionPay debit and credit). */
export const CARD_BINS: readonly string[] = [
  '622202', '621226', '622848', '621700', '622700', '622588', '621483', '622262', '621661', '622908', '623058', '625965',
];

/** Common single-character surnames (百家姓, by frequency). */
export const SURNAMES: readonly string[] = [...
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
];

export const COMPOUND_SURNAMES: readonly string[] = [
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '夏侯', '令狐', '司徒', '宇文',
];

/** Characters common in given names, for synthetic names. */
export const GIVEN_NAME_CHARS: readonly string[] = [...
  '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉萍红建文辉力鹏宇浩婷雪琳晨欣怡子轩涵博思雨嘉俊佳瑞凯昊然梓晓慧颖斌亮波宁海飞云鑫璐倩薇彤阳帆蕾哲睿泽诗悦琪',
];

/** Province-level names that open a Chinese address. */
export const PROVINCE_NAMES: readonly string[] = [
  '北京', '天津', '河北', '山西', '内蒙古', '辽宁', '吉林', '黑龙江', '上海', '江苏', '浙江', '安徽', '福建', '江西', '山东', '河南',
  '湖北', '湖南', '广东', '广西', '海南', '重庆', '四川', '贵州', '云南', '西藏', '陕西', '甘肃', '青海', '宁夏', '新疆', '香港', '澳门', '台湾',
];
