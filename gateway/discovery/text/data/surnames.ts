/**
 * Chinese surnames for the free-text name detector, in three frequency tiers (after the public
 * rankings of the household register; tier 1 ≈ the hundred most common, covering ~85% of the
 * population). Hand-kept: no registry package ships them separately. scripts/text-data/build.ts
 * reads them too, to pick person names out of the jieba dictionary.
 */
export const SURNAME_TIERS: readonly string[] = [
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
  '常易乔赖文樊兰殷施洪翟安颜倪牛温芦季俞章鲁葛伍申尤毕聂柴焦柳邢岳齐梅庞骆耿关纪舒屈项祝阮甘卜包单左裴管童凌霍路宁苗曲边费连车谈蓝鲍胥戚詹封涂幸符欧景盛桂丰宫房宗司池饶蒲隋滕冉古巫柏窦晏仇邬隆卫',
  '戈匡解闻佟蔺郎糜鞠鄢习晋荆闵农米谷伏卓利时全芮商栾缪郁娄喻蒙储奚贝麦花姬於揭邝冀尚雍訾冷辛巩牟宣楚练宿臧麻来查占原綦栗居信井隗计阚经尉亓佘衡蔚阳凡丘游苑邸敖官桑厉虞粟桓邴达师门迟苟甄相寇薄湛竺',
];

export const COMPOUND_SURNAMES_ALL: readonly string[] = [
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '夏侯', '令狐', '司徒', '宇文', '端木', '独孤',
  '南宫', '西门', '轩辕', '呼延', '申屠', '澹台', '公冶', '太史', '钟离', '闻人', '赫连', '拓跋', '百里', '东郭', '左丘', '第五',
];
